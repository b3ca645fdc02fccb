"""Who may open the review app once it is shared beyond this machine.

On the loopback address the app trusts the person at the keyboard (the analyst types
their name). Bound to any other address it is reachable from the network, so it needs a
login, configured in Streamlit's secrets (``.streamlit/secrets.toml`` of the folder the
command runs in, or of the home folder; never in the repository):

* Streamlit's own login (OIDC): an ``[auth]`` section as Streamlit documents it
  (``redirect_uri``, ``cookie_secret``, ``client_id``, ``client_secret``,
  ``server_metadata_url``); the analyst recorded is the identity provider's e-mail;
* or passwords: a ``[valpub.users]`` table of user name -> password hash, each line
  printed by ``valpub review-user NAME``; the analyst recorded is the user name.

Password hashes are PBKDF2-SHA256 with a random salt (the standard library's), so the
secrets file holds no password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ITERATIONS = 200_000
SCHEME = "pbkdf2_sha256"


def hash_password(password: str, salt: str | None = None) -> str:
    """``pbkdf2_sha256$ITERATIONS$SALT$HEX``: what a ``[valpub.users]`` entry holds."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), ITERATIONS)
    return f"{SCHEME}${ITERATIONS}${salt}${digest.hex()}"


def check_password(stored: str, password: str) -> bool:
    """True when ``password`` matches a hash made by :func:`hash_password`."""
    try:
        scheme, iterations, salt, expected = stored.split("$")
        rounds = int(iterations)
    except ValueError:
        return False
    if scheme != SCHEME:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds)
    return hmac.compare_digest(digest.hex(), expected)


def read_secrets(folders: list[Path]) -> dict[str, Any]:
    """Streamlit's secrets as the app will see them.

    ``.streamlit/secrets.toml`` of each folder, later ones winning (Streamlit reads the
    home folder's, then the project's).
    """
    merged: dict[str, Any] = {}
    for folder in folders:
        path = folder / ".streamlit" / "secrets.toml"
        if path.is_file():
            with path.open("rb") as fh:
                merged.update(tomllib.load(fh))
    return merged


def login_mode(secrets_: Mapping[str, Any]) -> str | None:
    """``"oidc"``, ``"password"`` or None (no login configured)."""
    if isinstance(secrets_.get("auth"), Mapping) and secrets_["auth"].get("client_id"):
        return "oidc"
    valpub = secrets_.get("valpub")
    users = valpub.get("users") if isinstance(valpub, Mapping) else None
    if isinstance(users, Mapping) and users:
        return "password"
    return None


HOW_TO = (
    "add a login to .streamlit/secrets.toml: a [valpub.users] table (one line per analyst, "
    "printed by `valpub review-user NAME`) or Streamlit's [auth] section (OIDC)"
)
