"""Network addresses: whether one can be reached from this machine only.

The review app refuses to be shared beyond this machine without a login, and the
pipeline warns when Dask workers on other machines cannot reach its temporary Prefect
server; both ask this module whether an address is a loopback one.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_address(address: str) -> bool:
    """:func:`is_loopback` of the host of a URL or ``host:port`` (``tcp://10.0.0.5:8786``)."""
    return is_loopback(urlsplit(address if "://" in address else f"tcp://{address}").hostname or "")
