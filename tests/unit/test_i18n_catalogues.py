"""The message catalogues in api/texts: every text in both languages with the same
placeholders, a page text's key in one catalogue only, and the files shipped with the package."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path
from string import Formatter

import pytest

from api.i18n_catalogues import CATALOGUES, FOLDER, read, refuse_shared_keys

ROOT = Path(__file__).resolve().parents[2]
EVERY_TEXT = [(name, key, *pair) for name, texts in CATALOGUES.items()
              for key, pair in texts.items()]
# The validators' reason is in English; the Chinese text says what a valid value is instead.
ENGLISH_REASON_ONLY = {("work", "err_credit_code"), ("work", "err_citizen_id"),
                       ("work", "err_no_responsible")}


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


def test_every_file_in_the_folder_is_a_catalogue_that_is_read() -> None:
    assert sorted(path.stem for path in FOLDER.glob("*.toml")) == sorted(CATALOGUES)


@pytest.mark.parametrize(("name", "key", "zh", "en"), EVERY_TEXT)
def test_every_text_reads_in_chinese_and_in_english(name: str, key: str, zh: str,
                                                     en: str) -> None:
    assert zh.strip() and en.strip()


@pytest.mark.parametrize(("name", "key", "zh", "en"), EVERY_TEXT)
def test_chinese_and_english_fill_in_the_same_placeholders(name: str, key: str, zh: str,
                                                             en: str) -> None:
    if (name, key) in ENGLISH_REASON_ONLY:
        assert placeholders(zh) == placeholders(en) - {"reason"}
    else:
        assert placeholders(zh) == placeholders(en)


def test_a_page_text_in_two_catalogues_is_refused_naming_both_files() -> None:
    with pytest.raises(ValueError, match=r"'done' is in both general\.toml and work\.toml"):
        refuse_shared_keys({"general": {"done": ("已记录。", "Recorded.")},
                            "work": {"done": ("已完成", "Done")}})


def test_a_text_without_its_english_is_refused(tmp_path: Path) -> None:
    catalogue = tmp_path / "general.toml"
    catalogue.write_text('[site]\nzh = "政务诚信记录公示平台"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"general\.toml: \[site\] must have a zh and an en"):
        read(catalogue)


def test_a_text_wrapped_over_lines_reads_as_one_line(tmp_path: Path) -> None:
    catalogue = tmp_path / "general.toml"
    catalogue.write_text('[hint]\nzh = """\\\n    第一行，\\\n    第二行。"""\n'
                         'en = """\\\n    The first line \\\n    and the second."""\n',
                         encoding="utf-8")
    assert read(catalogue) == {"hint": ("第一行，第二行。", "The first line and the second.")}


def test_the_package_ships_every_catalogue() -> None:
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    shipped = setup["setuptools"]["package-data"]["api"]
    missing = [path.name for path in FOLDER.glob("*.toml")
               if not any(fnmatch(str(path.relative_to(ROOT / "api")), glob) for glob in shipped)]
    assert missing == []
