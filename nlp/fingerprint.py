"""SimHash fingerprints for near-duplicate detection."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from itertools import repeat
from operator import methodcaller

from nlp.types import Token

BITS = 64
SHINGLE = 3  # tokens per shingle: word order counts, a changed word moves few shingles
_MASK = (1 << BITS) - 1


def fingerprint(tokens: Sequence[str] | Sequence[Token]) -> int:
    """Return the 64-bit SimHash (unsigned) of ``tokens``' 3-token shingles.

    Similar token streams get fingerprints a few bits apart; an empty stream gets 0. Shingles
    are hashed with BLAKE2b, so a fingerprint is the same in every process and Python version.
    """
    words = [token.text if isinstance(token, Token) else token for token in tokens]
    if not words:
        return 0
    width = min(SHINGLE, len(words))
    shingles = map("\x1f".join, zip(*(words[i:] for i in range(width)), strict=False))
    data = map(str.encode, shingles, repeat("utf-8"), repeat("surrogatepass"))  # lone ones too
    digests = b"".join(map(methodcaller("digest"), map(_hasher, data)))
    return _majority_bits(digests, len(digests) // 8)


def near_duplicate(a: int, b: int, *, bits: int = 3) -> bool:
    """Whether fingerprints ``a`` and ``b`` differ in at most ``bits`` bits.

    Signed and unsigned 64-bit forms of one fingerprint compare equal, so values read back
    from a database's signed BIGINT column can be passed as they are.
    """
    if bits < 0:
        raise ValueError(f"bits must not be negative, got {bits}")
    return ((a ^ b) & _MASK).bit_count() <= bits


_hasher = functools.partial(hashlib.blake2b, digest_size=BITS // 8)


def _majority_bits(digests: bytes, count: int) -> int:
    """Set each bit that more than half of the 8-byte big-endian ``digests`` have set."""
    import numpy as np  # 50 ms to import: not on ``import nlp``

    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(count, BITS // 8), axis=1)
    majority = np.packbits(2 * bits.sum(axis=0, dtype=np.int64) > count)
    return int.from_bytes(majority.tobytes(), "big")
