"""Proofs for auditors: signed tree heads, inclusion and consistency proofs, bundles."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Account
from api.deps import ServicesDep, require
from ledger import access
from ledger.config import Config
from ledger.errors import ValidationError
from ledger.proof.audit import ProofReader, ProofUnavailableError, Selection, export_bundle
from ledger.proof.note import verifier_key
from ledger.proof.sealer import log_origin, trusted_public_key
from ledger.store.follow import LogTable

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
AUDITORS = Depends(require(*access.AUDITORS))


class TreeHeadOut(BaseModel):
    """A signed tree head: size, root hash, time and Ed25519 signature (base64)."""

    size: int
    root: str
    timestamp_ms: int
    signature: str
    index_root: str | None = None
    """The record index: each aggregate's latest version at this size (signed with the head)."""


class PublicKeyOut(BaseModel):
    """The trusted key: raw (base64), and as a note verifier key under the log's origin."""

    public_key: str
    origin: str
    verifier_key: str


class HeadConsistencyOut(BaseModel):
    from_size: int
    proof: list[str]


class HeadOut(BaseModel):
    format: str
    public_key: str
    tree_head: TreeHeadOut
    consistency: HeadConsistencyOut | None = None


class InclusionOut(BaseModel):
    position: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    proof: list[str]


class ConsistencyOut(BaseModel):
    from_size: int
    to_size: int
    proof: list[str]


class BundleEventOut(BaseModel):
    leaf_index: int
    position: int
    id: str
    version: int
    topic: str
    timestamp: str
    state: str
    inclusion_proof: list[str] | None = None
    """Absent when the bundle holds the whole log (the tree is recomputed instead)."""


class IndexEntryOut(BaseModel):
    version: int
    leaf_index: int
    proof: list[str]


class BundleOut(BaseModel):
    """The offline-checkable bundle (``credit-ledger audit verify``)."""

    format: str
    selection: dict[str, str]
    public_key: str
    tree_head: TreeHeadOut
    complete_log: bool
    events: list[BundleEventOut]
    index: dict[str, IndexEntryOut] | None = None
    """For a record or subject: each aggregate's latest version under the head, proven."""
    rule_sets: dict[str, dict[str, Any]]
    calendar_versions: list[str]


def trusted_key(config: Config | None = None) -> bytes:
    """The configured public key (``LEDGER_PUBLIC_KEY``): the sealer signs, the API only
    publishes, and never a key it merely found in the database."""
    key = trusted_public_key(config)
    if key is None:
        raise ProofUnavailableError("no public key is configured (LEDGER_PUBLIC_KEY)",
                                    field="public_key")
    return key


def reader(services: ServicesDep) -> ProofReader:
    if services.database_url is None:
        raise ValidationError("proofs need the PostgreSQL log", field="database")
    return ProofReader(services.database_url, LogTable.of(services.ledger),
                       trusted_key(services.config))


@router.get("/public-key", response_model=PublicKeyOut)
def public_key(services: ServicesDep) -> PublicKeyOut:
    """The Ed25519 public key that signs tree heads and checkpoints (no token needed)."""
    key = trusted_key(services.config)
    try:
        origin = reader(services).latest_checkpoint().checkpoint.origin
    except ProofUnavailableError:
        origin = log_origin(services.config)
    return PublicKeyOut(public_key=base64.b64encode(key).decode(), origin=origin,
                        verifier_key=verifier_key(origin, key))


@router.get("/head", response_model=HeadOut, response_model_exclude_unset=True)
def head(services: ServicesDep, since: Annotated[int | None, Query(ge=0)] = None) -> (
    dict[str, Any]
):
    """The latest signed tree head, with a consistency proof from an earlier size if asked
    (no token needed)."""
    return reader(services).head_document(trusted_key(services.config), since)


@router.get("/records/{record_id}/versions/{version}/inclusion", response_model=InclusionOut)
def inclusion(record_id: UUID, version: int,
              services: ServicesDep, _: Annotated[Account, AUDITORS],
              size: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
    """The inclusion proof of one event of a record under a signed tree head."""
    return reader(services).inclusion_of_event(record_id, version, size)


@router.get("/consistency", response_model=ConsistencyOut)
def consistency(services: ServicesDep, _: Annotated[Account, AUDITORS],
                first: Annotated[int, Query(ge=0)],
                second: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
    """The proof that the tree of ``first`` leaves is a prefix of the tree of ``second``."""
    return reader(services).consistency(first, second)


# The bundle is returned exactly as exported (an auditor checks it byte for byte); the model
# documents it in OpenAPI without re-serialising it.
@router.get("/bundle", response_model=None, responses={200: {"model": BundleOut}})
def bundle(services: ServicesDep, _: Annotated[Account, AUDITORS],
           record: UUID | None = None, subject: UUID | None = None,
           start: Annotated[datetime | None, Query(alias="from")] = None,
           end: Annotated[datetime | None, Query(alias="to")] = None) -> JSONResponse:
    """A bundle of a record's, a subject's or a time range's events, checkable offline."""
    selection = Selection(record=record, subject=subject, start=start, end=end)
    try:
        selection.to_json()
    except ValueError as error:
        raise ValidationError(str(error), field="record") from None
    if services.database_url is None:
        raise ValidationError("bundles need the PostgreSQL log", field="database")
    document = export_bundle(services.ledger, services.database_url, selection,
                             trusted_key(services.config))
    name = f"bundle-{record or subject or 'range'}.json"
    return JSONResponse(document,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
