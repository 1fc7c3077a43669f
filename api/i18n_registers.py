"""Texts of the commitment register and lead pages, in Simplified Chinese and English; they
are in ``api/texts/registers.toml``."""

from __future__ import annotations

from api.i18n_catalogues import CATALOGUES

REGISTER_TEXTS = CATALOGUES["registers"]
