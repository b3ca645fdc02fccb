"""Sample corpus of valpub: the dataclasses of its documents, loaded from ``corpus/samples/``.

Four fictional French territories, written for this project. Every sentence was written for
valpub in the register of French territorial strategies and council minutes; none is taken from a
real document. Names, codes (INSEE-like codes starting with 99, SIREN numbers starting with 299),
people and figures are invented.

Profiles follow the four territories of the research (see ../shared/seeds): Valmont (A) is strong
on strategic and economic value with active and enhanced co-production; Saint-Aubin-des-Prés (B)
on political value and participation, with no support from its intercommunality; Bellerive-sur-
Orlande (C) on social value and inclusion, short of resources; Aurelle Numérique (D) a syndicat
running the fibre network, on infrastructure and economic value, slowed by phasing.

This module owns the dataclasses that corpus/make_samples.py lays out and the loader that builds
them from YAML: the text itself is data, in ``corpus/samples/`` (schema in its README.md).
``territories.yaml`` lists the territories (``TERRITORIES``, in file order); each
``<territory slug>-<PDF name without .pdf>.yaml`` holds one document, its metadata then its pages,
each page a list of one-key blocks (``para``, ``heading``, ``table``...). ``DOCUMENTS`` is ordered
by territory, then year, then name: the order of the manifest's rows. An unknown block or field,
a missing field or a value of the wrong type raises ValueError naming the file and the block.

Markup in the text: ``[^1]`` is a footnote call (drawn as a raised small number), ``~`` a soft
hyphen (an optional break point), a bullet item starting with ``"- "`` is a « – » sub-item.
Ordinary spaces before ``: ; ! ? »`` become no-break spaces when drawn: the text has ordinary
spaces there (it holds no no-break space).
"""

from __future__ import annotations

import types
import typing
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SAMPLES = Path(__file__).resolve().parent / "samples"
TERRITORIES_FILE = "territories.yaml"


@dataclass(frozen=True)
class Territory:
    slug: str  # folder name under corpus/
    code: str  # INSEE-like code (commune, département) or SIREN (EPCI, syndicat)
    name: str
    type: str  # commune, epci, departement, region, syndicat


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str = ""


@dataclass(frozen=True)
class Meta:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Plain:
    """A short line or paragraph drawn ragged (signature, vote line, attendance)."""

    text: str
    bold: bool = False
    space_after: bool = True


@dataclass(frozen=True)
class Centered:
    lines: tuple[str, ...]
    bold: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    total_row: bool = False


@dataclass(frozen=True)
class Columns:
    """Headings and paragraphs flowing in two columns below the full-width blocks above."""

    blocks: tuple[Heading | Para, ...]


@dataclass(frozen=True)
class Footnote:
    mark: str
    text: str


Block = Title | Meta | Heading | Para | Plain | Centered | Bullets | Table | Columns | Footnote


@dataclass(frozen=True)
class Document:
    territory: Territory
    name: str  # file name inside the territory folder
    title: str
    year: int
    kind: str  # what sort of document, for the manifest notes
    header: str  # running header of every page
    footer: str  # running footer, formatted with n (page) and N (pages)
    pages: tuple[tuple[Block, ...], ...]
    footer_align: str = "center"
    footer_left: str = ""
    justify: bool = True
    in_manifest: bool = True

    @property
    def path(self) -> str:
        return f"{self.territory.slug}/{self.name}"


# The key of each block in the YAML files: the class name in lower case (``para: ...``).
BLOCKS: dict[str, type[Any]] = {cls.__name__.lower(): cls for cls in typing.get_args(Block)}

T = TypeVar("T", bound="DataclassInstance")


def _show(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= 70 else text[:67] + "..."


def _value(raw: Any, hint: Any, where: str) -> Any:
    """``raw``, as read from YAML, checked and converted to the field type ``hint``."""
    if typing.get_origin(hint) is tuple:  # tuple[X, ...], a YAML list
        if not isinstance(raw, list):
            raise ValueError(f"{where}: expected a list, got {_show(raw)}")
        item = typing.get_args(hint)[0]
        label = "block" if isinstance(item, types.UnionType) else "item"
        return tuple(_value(x, item, f"{where}, {label} {i}") for i, x in enumerate(raw, 1))
    if isinstance(hint, types.UnionType):  # Block, or the blocks of a Columns
        return _block(raw, typing.get_args(hint), where)
    if hint is float and type(raw) is int:
        raw = float(raw)
    if type(raw) is not hint:  # also keeps true out of an int and 2021 out of a str
        raise ValueError(f"{where}: expected {hint.__name__}, got {_show(raw)}")
    return raw


def _build(cls: type[T], raw: Any, where: str, **given: Any) -> T:
    """An instance of the dataclass ``cls`` from the mapping ``raw`` and the ``given`` fields."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping of fields, got {_show(raw)}")
    declared = fields(cls)
    known = [f.name for f in declared]
    unknown = [k for k in raw if k not in known]
    if unknown:
        raise ValueError(
            f"{where}: unknown field {_show(unknown[0])} of {cls.__name__.lower()} "
            f"(fields: {', '.join(known)})"
        )
    missing = [
        f.name
        for f in declared
        if f.default is MISSING and f.name not in raw and f.name not in given
    ]
    if missing:
        raise ValueError(f"{where}: missing field {missing[0]!r} of {cls.__name__.lower()}")
    hints = typing.get_type_hints(cls)
    values = {k: _value(v, hints[k], f"{where}, {k}") for k, v in raw.items()}
    return cls(**values, **given)


def _block(raw: Any, allowed: tuple[type[Any], ...], where: str) -> Any:
    """A block from its one-key mapping; a value that is not a mapping is the first field."""
    names = ", ".join(k for k, cls in BLOCKS.items() if cls in allowed)
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ValueError(f"{where}: a block is a mapping with one key ({names}), got {_show(raw)}")
    ((key, value),) = raw.items()
    cls = BLOCKS.get(key)
    if cls not in allowed:
        raise ValueError(f"{where}: unknown block {_show(key)} (blocks here: {names})")
    if not isinstance(value, dict):  # short form: {para: "..."}, {bullets: [...]}
        value = {fields(cls)[0].name: value}
    return _build(cls, value, f"{where} ({key})")


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_territories(folder: Path = SAMPLES) -> tuple[Territory, ...]:
    """The territories of ``folder/territories.yaml``, in file order."""
    path = folder / TERRITORIES_FILE
    raw = _read(path)
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of territories, got {_show(raw)}")
    return tuple(_build(Territory, t, f"{path}, territory {i}") for i, t in enumerate(raw, 1))


def load_document(path: Path, territories: dict[str, Territory]) -> Document:
    """The document of one YAML file; ``territories`` by slug."""
    where = str(path)
    raw = _read(path)
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping of document fields, got {_show(raw)}")
    raw = dict(raw)
    slug = raw.pop("territory", None)
    if not isinstance(slug, str) or slug not in territories:
        raise ValueError(
            f"{where}: territory {_show(slug)} is not a slug of {TERRITORIES_FILE} "
            f"({', '.join(territories)})"
        )
    pages = raw.pop("pages", None)
    if not isinstance(pages, list) or not all(isinstance(p, list) for p in pages):
        raise ValueError(f"{where}: pages must be a list of pages, each a list of blocks")
    doc = _build(
        Document,
        raw,
        where,
        territory=territories[slug],
        pages=tuple(
            tuple(
                _block(b, typing.get_args(Block), f"{where}, page {p}, block {i}")
                for i, b in enumerate(page, 1)
            )
            for p, page in enumerate(pages, 1)
        ),
    )
    expected = f"{slug}-{Path(doc.name).stem}.yaml"
    if path.name != expected:
        raise ValueError(f"{where}: the file of {doc.path} must be named {expected}")
    return doc


def load_documents(
    territories: tuple[Territory, ...], folder: Path = SAMPLES
) -> tuple[Document, ...]:
    """Every document of ``folder``, by territory (in ``territories`` order), year and name."""
    by_slug = {t.slug: t for t in territories}
    docs = [
        load_document(path, by_slug)
        for path in sorted(folder.glob("*.yaml"))
        if path.name != TERRITORIES_FILE
    ]
    order = {t.slug: i for i, t in enumerate(territories)}
    return tuple(sorted(docs, key=lambda d: (order[d.territory.slug], d.year, d.name)))


TERRITORIES: tuple[Territory, ...] = load_territories()
DOCUMENTS: tuple[Document, ...] = load_documents(TERRITORIES)
