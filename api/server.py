"""Wiring of the HTTP server: the ledger, token and idempotency stores on one database."""

from __future__ import annotations

import uvicorn

from api.app import create_app
from api.auth import Account, PostgresTokenStore
from api.deps import Services
from api.idempotency import PostgresIdempotencyStore
from api.limits import Limits
from api.observability import configure_logging
from ledger.bootstrap import open_ledger
from ledger.config import Config
from ledger.events import Role
from ledger.sample.plan import sample_plan
from ledger.store.storage import database_url
from ledger.values import SubjectType


def build_services(config: Config, url: str | None = None) -> Services:
    """The API's ledger and stores on ``url``, else on the API's database of ``config``."""
    url = url or database_url("api", config)
    return Services(
        ledger=open_ledger(url, pool_size=config.http_threads, config=config),
        tokens=PostgresTokenStore(url, config=config),
        idempotency=PostgresIdempotencyStore(url),
        database_url=url,
        temporal_ui=config.temporal_ui,
        temporal_namespace=config.temporal_namespace,
        config=config,
    )


def serve(services: Services, config: Config, host: str = "127.0.0.1", port: int = 8000) -> None:
    # Our middleware logs each request as JSON without its query string; uvicorn's access log
    # would print full URLs, which may carry search terms.
    configure_logging(config.log_level.upper())
    uvicorn.run(create_app(services, Limits.from_config(config)), host=host, port=port,
                log_config=None, access_log=False)


SAMPLE_ACCOUNTS: list[tuple[str, Role, str]] = [
    ("sample-source", Role.SOURCE_DEPARTMENT, "source department (省纪委监委)"),
    ("sample-official", Role.SUBJECT_OFFICIAL, "official of a county body"),
    ("sample-reviewer", Role.PLATFORM_REVIEWER, "credit-platform reviewer"),
    ("sample-operator", Role.OPERATOR, "workflow operator"),
    ("sample-auditor", Role.AUDITOR, "auditor"),
    ("sample-admin", Role.ADMINISTRATOR, "administrator"),
]


def sample_tokens(tokens: PostgresTokenStore, subjects: dict[Role, str]) -> list[tuple[str, str]]:
    """Fresh tokens for the sample accounts (older ones revoked); (description, token)."""
    issued = []
    for account_id, role, description in SAMPLE_ACCOUNTS:
        tokens.revoke(account_id)
        token = tokens.create(Account(account_id, role, subjects.get(role), description))
        issued.append((f"{role.value:<18} {description}", token))
    return issued


def sample_subjects() -> dict[Role, str]:
    """The sample official acts for the body of the first routine record, and the sample
    department is the one that filed it."""
    for item in sample_plan().records:
        cmd = item.command
        if cmd.subject_type is SubjectType.BODY and cmd.subject_code and item.story == "routine":
            return {Role.SUBJECT_OFFICIAL: cmd.subject_code,
                    Role.SOURCE_DEPARTMENT: cmd.source.code}
    raise LookupError("the sample has no routine record of a body")
