"""SimHash fingerprints for near-duplicate detection."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

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
    shingles = ("\x1f".join(words[i : i + width]) for i in range(len(words) - width + 1))
    digests = b"".join(_hash(shingle) for shingle in shingles)
    return _majority_bits(digests, len(digests) // 8)


def near_duplicate(a: int, b: int, *, bits: int = 3) -> bool:
    """Whether fingerprints ``a`` and ``b`` differ in at most ``bits`` bits.

    Signed and unsigned 64-bit forms of one fingerprint compare equal, so values read back
    from a database's signed BIGINT column can be passed as they are.
    """
    if bits < 0:
        raise ValueError(f"bits must not be negative, got {bits}")
    return ((a ^ b) & _MASK).bit_count() <= bits


def _hash(shingle: str) -> bytes:
    data = shingle.encode("utf-8", "surrogatepass")  # a lone surrogate must not raise
    return hashlib.blake2b(data, digest_size=BITS // 8).digest()


def _majority_bits(digests: bytes, count: int) -> int:
    """Set each bit that more than half of the 8-byte big-endian ``digests`` have set.

    Counting byte values per column keeps the Python-level work independent of ``count``.
    """
    result = 0
    for column in range(BITS // 8):
        ones = [0] * 8
        for value, times in Counter(digests[column::8]).items():
            for bit in range(8):
                if value >> bit & 1:
                    ones[bit] += times
        for bit in range(8):
            if 2 * ones[bit] > count:
                result |= 1 << ((BITS // 8 - 1 - column) * 8 + bit)
    return result
