#!/usr/bin/env python3
"""Write the sha256 of every distribution file of each pinned version into requirements.lock.

    python3 tools/lock_hashes.py [--lock requirements.lock] [--index URL ...]

The pins are kept as they are (the header comment is rewritten); each gets pip's
``--hash=sha256:...`` options, so that ``pip install --require-hashes -r requirements.lock``
refuses any file whose content differs from what was published. Hashes come from PyPI's JSON API
(``https://pypi.org/pypi/<name>/<version>/json``) and, for versions that API does not list,
from the simple indexes pip is configured with (``index-url``, ``extra-index-url``, either
``https://`` or ``file://``, each link carrying its ``#sha256=`` fragment) and from its
``find-links`` folders (hashed here). A pin for which no file is found stops the script, and the
lock is left unchanged.

Only the standard library is used, like dev.py. Rerun it after regenerating the pins with
``pip freeze``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

ROOT = Path(__file__).resolve().parent.parent
PYPI_JSON = "https://pypi.org/pypi/{name}/{version}/json"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2")
HEADER = """\
# Locked dependencies of credit-ledger (runtime and test), with the sha256 of every published
# file of each version; dev.py installs them with --require-hashes. Regenerate with:
#   .venv/bin/pip freeze --exclude-editable > requirements.lock
#   python3 tools/lock_hashes.py
"""


def normalise(name: str) -> str:
    """PEP 503's normal form of a project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def file_is(filename: str, name: str, version: str) -> bool:
    """Whether a distribution file name is of this project at this version."""
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return len(parts) >= 5 and normalise(parts[0]) == normalise(name) and (
            parts[1] == version)
    for suffix in SUFFIXES[1:]:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            found_name, _, found_version = stem.rpartition("-")
            return normalise(found_name) == normalise(name) and found_version == version
    return False


def _read(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            data: bytes = answer.read()
            return data
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
    except urllib.error.URLError as error:
        if isinstance(error.reason, FileNotFoundError):
            return None
        raise


def from_pypi_json(name: str, version: str) -> set[str]:
    found = _read(PYPI_JSON.format(name=normalise(name), version=version))
    if found is None:
        return set()
    return {u["digests"]["sha256"] for u in json.loads(found)["urls"]
            if file_is(u["filename"], name, version)}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def from_simple_index(index: str, name: str, version: str) -> set[str]:
    base = index.rstrip("/") + f"/{normalise(name)}/"
    page = _read(base) if not base.startswith("file:") else _read(base + "index.html")
    if page is None:
        return set()
    links = _Links()
    links.feed(page.decode("utf-8", "replace"))
    found = set()
    for href in links.hrefs:
        url = urlparse(urljoin(base, href))
        filename = unquote(url.path.rsplit("/", 1)[-1])
        if url.fragment.startswith("sha256=") and file_is(filename, name, version):
            found.add(url.fragment[len("sha256="):])
    return found


def from_folder(folder: Path, name: str, version: str) -> set[str]:
    if not folder.is_dir():
        return set()
    return {hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir()
            if file_is(path.name, name, version)}


def pip_sources() -> tuple[list[str], list[Path]]:
    """The simple indexes and find-links folders pip is configured with here."""
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                            capture_output=True, text=True, check=False).stdout
    values: dict[str, list[str]] = {}
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        values.setdefault(key.split(".")[-1], []).extend(value.strip("'\"").split())
    for key in ("index-url", "extra-index-url", "find-links"):
        values.setdefault(key, []).extend(
            os.environ.get("PIP_" + key.upper().replace("-", "_"), "").split())
    indexes = [*(values["index-url"] or ["https://pypi.org/simple"]), *values["extra-index-url"]]
    folders = [Path(urlparse(f).path) for f in values["find-links"]
               if f.startswith(("file:", "/"))]
    return list(dict.fromkeys(indexes)), folders


def hashes_of(name: str, version: str, indexes: list[str], folders: list[Path]) -> list[str]:
    found = from_pypi_json(name, version)
    for index in indexes:
        found |= from_simple_index(index, name, version)
    for folder in folders:
        found |= from_folder(folder, name, version)
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    parser.add_argument("--index", action="append", default=None,
                        help="a simple index to read (default: pip's configured ones)")
    args = parser.parse_args()
    indexes, folders = pip_sources()
    if args.index:
        indexes = args.index
    pins: list[tuple[str, str]] = []
    for line in args.lock.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "--hash")):
            continue
        match = PIN.match(stripped)
        if match is None:
            print(f"not a pin: {stripped!r}", file=sys.stderr)
            return 1
        pins.append((match.group(1), match.group(2)))
    out = [HEADER.rstrip("\n")]
    missing = []
    for name, version in pins:
        hashes = hashes_of(name, version, indexes, folders)
        if not hashes:
            missing.append(f"{name}=={version}")
        out.append(f"{name}=={version}" + "".join(f" \\\n    --hash=sha256:{h}" for h in hashes))
        print(f"{name}=={version}: {len(hashes)} file(s)", file=sys.stderr)
    if missing:
        print("no distribution file found for " + ", ".join(missing), file=sys.stderr)
        return 1
    args.lock.write_text("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
