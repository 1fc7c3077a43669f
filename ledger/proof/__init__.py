"""Proving the log: the sealer's Merkle tree and signed heads, checkpoints, witnesses,
proofs and bundles, and the offline verifiers an auditor runs (standard library only)."""
