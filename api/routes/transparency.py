"""The log for anyone, in the C2SP formats: the checkpoint and the tiles (no token).

Paths follow c2sp.org/tlog-tiles with this server's root as the prefix: ``/checkpoint`` and
``/tile/<L>/<N>[.p/<W>]``. A tile never changes once served, so it may be cached for good; the
checkpoint changes as the log grows, so caches keep it only briefly.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import psycopg
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.routes.audit import trusted_key
from ledger.errors import ValidationError
from ledger.proof.audit import ProofUnavailableError
from ledger.proof.cosignatures import accept, configured_witnesses, cosignatures_of
from ledger.proof.public_bundle import names_people
from ledger.proof.sealer import ensure_proof_tables
from ledger.proof.tiles import (
    SignedCheckpoint,
    TilePathError,
    latest_checkpoint,
    parse_tile_path,
    read_entry_bundle,
    read_tile,
    tile_end,
)
from ledger.store.follow import LogTable
from ledger.store.storage import connection
from projections import disclosure

router = APIRouter(tags=["transparency"])


class CosignedOut(BaseModel):
    accepted: list[str]
    """The witnesses whose cosignatures were kept."""

IMMUTABLE = "public, max-age=31536000, immutable"
BRIEFLY = "public, max-age=5"


def _url(services: ServicesDep) -> str:
    if services.database_url is None:
        raise ValidationError("the log's tiles need the PostgreSQL log", field="database")
    return services.database_url


def _checkpoint(conn: psycopg.Connection[Any], key: bytes) -> SignedCheckpoint:
    try:
        found = latest_checkpoint(conn, key)
    except psycopg.errors.UndefinedTable:
        found = None
    if found is None:
        raise ProofUnavailableError("no checkpoint signed by the trusted key yet",
                                    field="checkpoint")
    return found


@router.get("/checkpoint", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def checkpoint(services: ServicesDep) -> Response:
    """The latest checkpoint: a signed note with the origin, tree size and root hash."""
    key = trusted_key(services.config)
    with connection(_url(services)) as conn:
        found = _checkpoint(conn, key)
        cosigned = cosignatures_of(conn, found.checkpoint)
    return Response(found.note(cosigned), media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": BRIEFLY})


@router.post("/cosignatures", response_model=CosignedOut)
async def cosignatures(request: Request, services: ServicesDep) -> CosignedOut:
    """A witness returns a checkpoint it cosigned; the cosignatures of known witnesses are kept
    and served with the checkpoint."""
    try:
        note = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("a note is UTF-8 text", field="checkpoint") from None
    key, witnesses = trusted_key(services.config), configured_witnesses(services.config)
    url = _url(services)

    def keep() -> list[str]:
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_proof_tables(conn)
            with conn.transaction():
                return accept(conn, note, key, witnesses)

    return CosignedOut(accepted=await run_in_threadpool(keep))


@router.get("/tile/entries/{index:path}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def entries(services: ServicesDep, index: Annotated[str, Path()]) -> Response:
    """An entry bundle: the leaf data of public records' events (hashing to the level-0 tile),
    and for every other event its 32-byte leaf hash only."""
    try:
        _, at, width = parse_tile_path("0", index)
    except TilePathError as error:
        raise ProofUnavailableError(str(error), field="tile") from None
    key, today, public = trusted_key(services.config), services.today(), {}

    def shown(originator: UUID, topic: str, state: bytes) -> bool:
        if not topic.startswith("ledger.record_events:") or names_people(state):
            return False
        if originator not in public:
            with services.views() as views:
                public[originator] = disclosure.disclosed_record(views, originator,
                                                              today=today) is not None
        return public[originator]

    with connection(_url(services)) as conn:
        size = _checkpoint(conn, key).checkpoint.size
        log = LogTable.of(services.ledger)
        data = read_entry_bundle(conn, log, at, width, shown) if tile_end(
            0, at, width) <= size else None
    if data is None:
        raise ProofUnavailableError(f"no such entry bundle in the tree of {size} leaves",
                                    field="tile")
    # Not immutable: a record leaves public disclosure, and its entries become hashes.
    return Response(data, media_type="application/octet-stream",
                    headers={"Cache-Control": BRIEFLY})


@router.get("/tile/{level}/{index:path}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def tile(services: ServicesDep, level: Annotated[str, Path()],
         index: Annotated[str, Path()]) -> Response:
    """A tile of the Merkle tree: 256 hashes of one level (fewer in a partial tile)."""
    try:
        number, at, width = parse_tile_path(level, index)
    except TilePathError as error:
        raise ProofUnavailableError(str(error), field="tile") from None
    key = trusted_key(services.config)
    with connection(_url(services)) as conn:
        size = _checkpoint(conn, key).checkpoint.size
        data = read_tile(conn, number, at, width) if tile_end(number, at, width) <= size else None
    if data is None:
        raise ProofUnavailableError(f"no such tile in the tree of {size} leaves", field="tile")
    return Response(data, media_type="application/octet-stream",
                    headers={"Cache-Control": IMMUTABLE})
