"""The API's fixtures (one token per role, the views caught up by hand), shared here."""

from tests.api.conftest import api, views

__all__ = ["api", "views"]
