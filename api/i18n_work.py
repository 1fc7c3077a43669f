"""Page texts of the people who work on records, in Simplified Chinese and English: the
department's workspace and forms, the reviewer's tasks, where an official's matters stand.

The texts are in ``api/texts/work.toml``. ``api.i18n.translator`` reads these after its own
texts. Templates with ``{who}``, ``{when}`` and an event's fields are filled in by
``api.pages.matters``.
"""

from __future__ import annotations

from api.i18n_catalogues import CATALOGUES

WORK_TEXTS = CATALOGUES["work"]
