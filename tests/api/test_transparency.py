"""Anyone checks the ledger with a tlog client: the checkpoint and the tiles, without a token.

``TlogReader`` below is written from the C2SP texts alone (signed-note, tlog-checkpoint,
tlog-tiles) and RFC 9162, and imports nothing of ``ledger``: it fetches ``/checkpoint``, checks
the note signature under the key ID the specification defines, fetches tiles by the
specification's paths, and recomputes roots and consistency proofs from them.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from functools import cache

import psycopg
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.events import Role
from ledger.proof.pin import RewrittenLogError
from ledger.proof.sealer import Sealer
from ledger.proof.verify import verify_consistency
from ledger.store.follow import LogTable
from tests.support.api import Api
from tests.support.world import DEPT, filing

ORIGIN = "credit.example.gov.cn/fujian"
KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


class TlogReader:
    """A minimal tlog client: one origin, one Ed25519 log key, tiles fetched by ``get``."""

    def __init__(self, get: Callable[[str], bytes], origin: str, key: bytes) -> None:
        self.get, self.origin, self.key = get, origin, key

    # signed-note: "key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]"
    def key_id(self) -> bytes:
        return hashlib.sha256(self.origin.encode() + b"\n\x01" + self.key).digest()[:4]

    def checkpoint(self) -> tuple[int, bytes]:
        """(tree size, root hash) of the log's checkpoint, once its signature verifies."""
        note = self.get("checkpoint").decode("utf-8")
        cut = note.rindex("\n\n")  # the text ends at the last blank line, newline included
        text, signatures = note[:cut + 1], note[cut + 2:].splitlines()
        verified = False
        for line in signatures:
            dash, name, encoded = line.split(" ")
            blob = base64.b64decode(encoded)
            assert dash == "\u2014"
            if name == self.origin and blob[:4] == self.key_id():
                try:
                    Ed25519PublicKey.from_public_bytes(self.key).verify(blob[4:], text.encode())
                except InvalidSignature:
                    raise AssertionError("the log's signature does not verify") from None
                verified = True
        assert verified, "no signature by the log's key"
        origin, size, root = text.splitlines()[:3]
        assert origin == self.origin
        return int(size), base64.b64decode(root)

    # tlog-tiles: N is "zero-padded 3-digit path elements. All but the last ... begin with x"
    @staticmethod
    def path(level: int, index: int, width: int) -> str:
        digits = f"{index:d}"
        digits = digits.zfill(-(-len(digits) // 3) * 3)
        parts = [digits[i:i + 3] for i in range(0, len(digits), 3)]
        encoded = "/".join([*("x" + p for p in parts[:-1]), parts[-1]])
        return f"tile/{level}/{encoded}" + ("" if width == 256 else f".p/{width}")

    def tile(self, level: int, index: int, size: int) -> list[bytes]:
        """The tile as the tree of ``size`` has it: full, or partial of the spec's width."""
        have = size // 256 ** level  # complete hashes at this level
        width = 256 if have >= (index + 1) * 256 else have - index * 256
        assert 0 < width <= 256, (level, index, size)
        data = self.get(self.path(level, index, width))
        assert len(data) == 32 * width
        return [data[i:i + 32] for i in range(0, len(data), 32)]

    def tree(self, size: int) -> Callable[[int, int], bytes]:
        """MTH(D[start:end]) of the tree of ``size`` from its tiles, per RFC 9162 section 2.1.1."""

        @cache
        def tile(level: int, index: int) -> list[bytes]:
            return self.tile(level, index, size)

        @cache
        def mth(start: int, end: int) -> bytes:
            width = end - start
            height = width.bit_length() - 1
            if width == 1 << height and start % width == 0 and height % 8 == 0:
                level, at = height // 8, start >> height  # one hash of a tile at level h/8
                return tile(level, at // 256)[at % 256]
            k = 1 << ((width - 1).bit_length() - 1)
            return hashlib.sha256(b"\x01" + mth(start, start + k) + mth(start + k, end)).digest()

        return mth

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """PROOF(first, D[0:second]) of RFC 9162 section 2.1.4.1, from the tiles of ``second``."""
        mth = self.tree(second)

        def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
            if m == end - start:
                return [] if whole else [mth(start, end)]
            k = 1 << ((end - start - 1).bit_length() - 1)
            if m <= k:
                return [*subproof(m, start, start + k, whole), mth(start + k, end)]
            return [*subproof(m - k, start + k, end, False), mth(start, start + k)]

        return subproof(first, 0, second, True)


@pytest.fixture
def public_api(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The API with the log's key configured as the trusted one, and no token anywhere."""
    monkeypatch.setenv("LEDGER_PUBLIC_KEY", base64.b64encode(PUBLIC).decode())
    yield api


def sealer_of(api: Api) -> Sealer:
    assert api.services.database_url is not None
    return Sealer(api.services.database_url, LogTable.of(api.services.ledger), key=KEY,
                  origin=ORIGIN)


def grow(api: Api, sealer: Sealer, filings: range) -> None:
    for n in filings:
        api.services.ledger.file_record(filing(n), DEPT)
    sealer.seal_pending()
    sealer.issue_head()


def reader_of(api: Api, key: bytes = PUBLIC) -> TlogReader:
    def get(path: str) -> bytes:
        response = api.client.get(f"/{path}")  # no token
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.content

    return TlogReader(get, ORIGIN, key)


def test_anyone_reads_the_signed_checkpoint_and_the_public_key_without_a_token(
    public_api: Api,
) -> None:
    sealer = sealer_of(public_api)
    grow(public_api, sealer, range(1, 4))

    response = public_api.client.get("/checkpoint")
    size, root = reader_of(public_api).checkpoint()
    key = public_api.client.get("/api/v1/audit/public-key").json()
    head = public_api.client.get("/api/v1/audit/head").json()["tree_head"]

    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "max-age=5" in response.headers["cache-control"]
    assert response.text.startswith(f"{ORIGIN}\n{size}\n")
    assert (size, root) == (head["size"], base64.b64decode(head["root"]))
    assert base64.b64decode(key["public_key"]) == PUBLIC
    assert key["verifier_key"].startswith(f"{ORIGIN}+{reader_of(public_api).key_id().hex()}+")


def test_a_client_trusting_another_key_rejects_the_checkpoint(public_api: Api) -> None:
    grow(public_api, sealer_of(public_api), range(1, 2))
    stranger = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw,
                                                                      PublicFormat.Raw)

    with pytest.raises(AssertionError, match="no signature by the log's key"):
        reader_of(public_api, stranger).checkpoint()


def test_a_head_written_into_the_database_without_the_key_is_never_served(
    public_api: Api,
) -> None:
    sealer = sealer_of(public_api)
    grow(public_api, sealer, range(1, 3))
    genuine = public_api.client.get("/checkpoint").text
    forger = Sealer(sealer.url, sealer.log, key=Ed25519PrivateKey.generate(), origin=ORIGIN)
    grow(public_api, forger, range(3, 4))
    with psycopg.connect(sealer.url, autocommit=True) as conn:  # …claiming the genuine key
        conn.execute("UPDATE proofs.tree_heads SET public_key = %s", (PUBLIC,))

    assert public_api.client.get("/checkpoint").text == genuine
    assert public_api.client.get("/api/v1/audit/head").json()["tree_head"]["size"] == int(
        genuine.splitlines()[1])


def test_a_client_recomputes_the_signed_root_from_the_tiles_alone(public_api: Api) -> None:
    sealer = sealer_of(public_api)
    grow(public_api, sealer, range(1, 101))  # a little over 400 leaves: two levels of tiles
    reader = reader_of(public_api)

    size, root = reader.checkpoint()

    assert size > 300
    assert reader.tree(size)(0, size) == root


def test_a_client_proves_from_tiles_that_the_log_only_grew_between_two_checkpoints(
    public_api: Api,
) -> None:
    sealer = sealer_of(public_api)
    reader = reader_of(public_api)
    grow(public_api, sealer, range(1, 60))
    first, first_root = reader.checkpoint()
    grow(public_api, sealer, range(60, 120))
    second, second_root = reader.checkpoint()

    proof = reader.consistency_proof(first, second)
    served = public_api.client.get("/api/v1/audit/head", params={"since": first}).json()

    assert first < 256 < second
    assert reader.tree(second)(0, first) == first_root  # the old tree is inside the new one
    assert verify_consistency(first, second, first_root, second_root, proof)
    assert [base64.b64decode(p) for p in served["consistency"]["proof"]] == proof


def test_full_tiles_are_immutable_and_partial_ones_follow_the_checkpoint(
    public_api: Api,
) -> None:
    sealer = sealer_of(public_api)
    grow(public_api, sealer, range(1, 70))
    size, _ = reader_of(public_api).checkpoint()
    client = public_api.client

    full = client.get("/tile/0/000")
    partial = client.get(f"/tile/0/001.p/{size - 256}")
    level_one = client.get("/tile/1/000.p/1")

    assert full.status_code == 200 and len(full.content) == 8192
    assert full.headers["content-type"] == "application/octet-stream"
    assert "immutable" in full.headers["cache-control"]
    assert partial.status_code == 200 and len(partial.content) == 32 * (size - 256)
    assert level_one.content == root_of_full_tile(full.content)
    assert client.get(f"/tile/0/001.p/{size - 255}").status_code == 404  # past the checkpoint
    assert client.get("/tile/0/001").status_code == 404  # not full yet
    assert client.get("/tile/2/000.p/1").status_code == 404


def root_of_full_tile(data: bytes) -> bytes:
    """What a level-1 tile holds for a full tile below: its 256 hashes folded in pairs."""
    hashes = [data[i:i + 32] for i in range(0, len(data), 32)]
    while len(hashes) > 1:
        hashes = [hashlib.sha256(b"\x01" + a + b).digest()
                  for a, b in zip(hashes[::2], hashes[1::2], strict=True)]
    return hashes[0]


@pytest.mark.parametrize("path", ["/tile/0/0", "/tile/00/000", "/tile/0/x000/000",
                                  "/tile/0/000.p/0", "/tile/0/000.p/256", "/tile/0/000.p/07",
                                  "/tile/64/000", "/tile/0/1000", "/tile/0/x1/000"])
def test_a_tile_path_not_in_the_specifications_form_is_not_found(
    public_api: Api, path: str,
) -> None:
    grow(public_api, sealer_of(public_api), range(1, 70))

    assert public_api.client.get(path).status_code == 404


def test_an_operator_sees_in_the_metrics_that_the_sealer_refuses_a_rewritten_log(
    public_api: Api,
) -> None:
    sealer = sealer_of(public_api)
    grow(public_api, sealer, range(1, 3))
    with psycopg.connect(sealer.url, autocommit=True) as conn:
        conn.execute("UPDATE ledger_events SET state = convert_to(replace(convert_from(state, "
                     "'UTF8'), '01:30:00', '01:31:00'), 'UTF8') WHERE notification_id = 9")
        conn.execute("TRUNCATE proofs.leaves, proofs.nodes, proofs.tree_heads, proofs.sealer")
    restarted = sealer_of(public_api)
    restarted.seal_pending()
    with pytest.raises(RewrittenLogError):
        restarted.issue_head()

    metrics = public_api.client.get("/metrics", headers=public_api.headers(Role.OPERATOR)).text

    assert 'ledger_sealer_refusing{log="public.ledger_events"} 1.0' in metrics
    assert public_api.client.get("/checkpoint").status_code == 404  # nothing left to serve
