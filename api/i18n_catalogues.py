"""The message catalogues: texts in Simplified Chinese and English, kept as TOML files in
``api/texts`` so that they are translated without touching code.

Each file holds one table a text, ``[key]`` with ``zh`` and ``en``. The page texts are one set of
keys spread over several files, and ``api.i18n.translator`` looks a key up in all of them, so a
key may stand in only one. Values, events and fields each name their own things (codes, fact
classes, field names) and may share a key with a page text.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

Texts = dict[str, tuple[str, str]]

FOLDER = Path(__file__).with_name("texts")
PAGE_TEXTS = ("general", "work", "registers", "evaluation", "warnings")
OWN_KEYS = ("values", "events", "fields")


def read(path: Path) -> Texts:
    """The texts of one catalogue file, by key; a file that is not zh and en texts is refused."""
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path.name}: {error}") from None
    texts: Texts = {}
    for key, entry in tables.items():
        if not (isinstance(entry, dict) and entry.keys() == {"zh", "en"}
                and all(isinstance(text, str) for text in entry.values())):
            raise ValueError(f"{path.name}: [{key}] must have a zh and an en text and nothing "
                             "else")
        texts[key] = (entry["zh"], entry["en"])
    return texts


def refuse_shared_keys(catalogues: dict[str, Texts]) -> None:
    """A key in two of ``catalogues`` would show one text where the other was meant."""
    seen: dict[str, str] = {}
    for name, texts in catalogues.items():
        for key in texts:
            if key in seen:
                raise ValueError(f"the text {key!r} is in both {seen[key]}.toml and "
                                 f"{name}.toml; a page text stands in one catalogue only")
            seen[key] = name


CATALOGUES = {name: read(FOLDER / f"{name}.toml") for name in (*PAGE_TEXTS, *OWN_KEYS)}
refuse_shared_keys({name: CATALOGUES[name] for name in PAGE_TEXTS})
