"""Texts of the recorded early warnings and the operators' steps on them, in Simplified Chinese
and English; they are in ``api/texts/warnings.toml``."""

from __future__ import annotations

from api.i18n_catalogues import CATALOGUES

WARNING_TEXTS = CATALOGUES["warnings"]
