"""Identifiers of subjects and records, with their check characters.

- Unified social credit code (GB 32100): 18 characters from ``0-9A-HJ-NPQRTUWXY`` (no I, O, S,
  V, Z); the last is a check character over the first 17 (weights 3^(i-1) mod 31).
- Citizen ID (GB 11643): 17 digits and a check character ``0-9X`` (ISO 7064 MOD 11-2).
- Record id: a UUID derived from (source department code, document number), so a resent filing
  lands on the same record instead of a new one.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from functools import lru_cache
from uuid import UUID, uuid5

from ledger.clock import SHANGHAI
from ledger.errors import InvalidIdentifierError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

LEDGER_NAMESPACE = UUID("7c0e6a53-2f1d-5d0e-9a55-3c1f4e0b8a21")


def uscc_check_char(first17: str) -> str:
    """The check character of a unified social credit code's first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


@lru_cache(maxsize=8192)
def validate_uscc(code: str, field: str = "credit_code") -> str:
    """Return the code if it is a valid unified social credit code, else raise naming the field.

    Cached (a refusal is not): an import file names the same codes on row after row.
    """
    if len(code) != 18:
        raise InvalidIdentifierError(f"must be 18 characters, got {len(code)}", field=field)
    bad = [c for c in code if c not in USCC_ALPHABET]
    if bad:
        raise InvalidIdentifierError(
            f"character {bad[0]!r} is not allowed (0-9 and A-Y without I, O, S, V, Z)",
            field=field,
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise InvalidIdentifierError(
            f"check character is {code[17]!r}, expected {expected!r}", field=field
        )
    return code


def is_government_organ(code: str) -> bool:
    """A code registered by an organ-establishment authority, category organ, starts '11'."""
    return code.startswith("11")


def citizen_id_check_char(first17: str) -> str:
    """The check character of a citizen ID's first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_citizen_id(value: str, field: str = "citizen_id") -> str:
    """Return the ID if it is a valid 18-character citizen ID, else raise naming the field.

    The message never repeats the ID itself: it is personal data.
    """
    if len(value) != 18:
        raise InvalidIdentifierError(f"must be 18 characters, got {len(value)}", field=field)
    if not value[:17].isascii() or not value[:17].isdigit():
        raise InvalidIdentifierError("the first 17 characters must be digits", field=field)
    if value[17] not in "0123456789X":
        raise InvalidIdentifierError("the check character must be a digit or X", field=field)
    if value[17] != citizen_id_check_char(value[:17]):
        raise InvalidIdentifierError("check character does not match", field=field)
    _check_birth_date(value[6:14], field)
    return value


def _check_birth_date(digits: str, field: str) -> None:
    """Characters 7–14 are the birth date (GB 11643): a real day, not after today."""
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise InvalidIdentifierError("the birth date in it is not a real date",
                                     field=field) from None
    if born > datetime.now(SHANGHAI).date() or born.year < 1900:
        raise InvalidIdentifierError("the birth date in it is impossible", field=field)


def mask_citizen_id(value: str) -> str:
    """Show only the first 6 and last 4 characters, as shared views must."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def normalize_document_number(value: str) -> str:
    """One spelling per document number: NFKC, no surrounding or inner whitespace."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def record_id(source_code: str, document_number: str) -> UUID:
    """The record id of a filing: the same source and document number give the same id."""
    key = f"record/{source_code}/{normalize_document_number(document_number)}"
    return uuid5(LEDGER_NAMESPACE, key)


@lru_cache(maxsize=8192)
def body_id(credit_code: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"body/{credit_code}")
