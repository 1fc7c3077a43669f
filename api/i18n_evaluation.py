"""Texts of the quarterly and annual evaluations and the third-party ratings, in Simplified
Chinese and English; they are in ``api/texts/evaluation.toml``."""

from __future__ import annotations

from api.i18n_catalogues import CATALOGUES

EVALUATION_TEXTS = CATALOGUES["evaluation"]
