"""MinHash signatures of texts, a batch at a time in numpy: words, their CRC-32s, shingles, minimum hashes.

The values are datasketch's: a text's signature is ``MinHash(num_perm, seed, scheme="affine32")`` updated with
the hashes of its word shingles, where a shingle's hash mixes the CRC-32s of its words' UTF-8.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from datasketch import MinHash

from contrib.submissions.checks.neardup import normalize

#: The permutation scheme; pinned so persisted signatures stay comparable across datasketch upgrades.
SCHEME = "affine32"

# Odd multipliers mixing the word hashes of a shingle in order; the scheme's fmix then spreads the sum.
MIX = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D], dtype=np.uint32)
# zlib's CRC-32 table, read off zlib itself: byte i run through a zero register leaves entry i there.
_CRC_TABLE = np.array([zlib.crc32(bytes([i]), 0xFFFFFFFF) ^ 0xFFFFFFFF for i in range(256)], dtype=np.uint32)
# Words longer than this go to zlib one by one: one long token must not stretch the loop over byte offsets.
_LONG_WORD = 64
# Texts whose words are hashed together: their temporary arrays stay within ~10 MB, and in the caches better.
_TEXTS = 1024
# Shingles permuted at a time: num_perm x this uint32 stays in the L2 cache, ~2.5x faster than all at once.
_SHINGLE_CHUNK = 8192


def _word_bytes() -> np.ndarray:
    """Per byte value: 0 if it separates words, else the byte the word holds (ASCII letters lowercased).

    The shared normalize() turns every ASCII character that is neither a letter nor a digit into a space (the
    underscore and punctuation) or leaves it as whitespace: so in ASCII text the words are the runs of letters
    and digits. Bytes above 0x7F only occur in the already normalised words of non-ASCII texts.
    """
    table = np.zeros(256, dtype=np.uint8)
    for byte in range(256):
        if byte >= 0x80 or chr(byte).isalnum():
            table[byte] = ord(chr(byte).lower()) if byte < 0x80 else byte
    return table


_WORD_BYTES = _word_bytes()


def word_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(how many words each text has, the CRC-32 of each word's UTF-8, all texts end to end).

    The words are the shared normalize()'s. ASCII texts, nearly all of them, skip its regex and str.split: the
    batch's bytes go through a table, and the words are the runs it maps to non-zero bytes. A dict of word
    hashes cost twice the time of all of this.
    """
    parts = [(text if text.isascii() else " ".join(normalize(text))).encode("utf-8") for text in texts]
    data = np.frombuffer(b"\n".join(parts), dtype=np.uint8)
    mapped = _WORD_BYTES.take(data)
    inside = mapped != 0
    edge = np.empty(inside.size + 1, dtype=bool)
    edge[0], edge[-1] = inside[:1].any(), inside[-1:].any()
    np.not_equal(inside[1:], inside[:-1], out=edge[1:-1])
    starts, ends = np.flatnonzero(edge).reshape(-1, 2).T  # edges alternate: a word's start, then its end
    # each part is followed by one separator: the words of text i start in [offset_i, offset_i+1)
    offsets = np.cumsum([0] + [len(part) + 1 for part in parts])
    counts = np.diff(np.searchsorted(starts, offsets))
    return counts, _crc32(mapped, starts, ends - starts)


def _crc32(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``zlib.crc32`` of each ``data[start:start + length]``, one byte offset of all words at a time.

    The words go longest first, so those still running at offset j are a prefix of the arrays.
    """
    long = lengths > _LONG_WORD
    capped = np.where(long, 0, lengths).astype(np.uint8)  # 8-bit keys: numpy's stable argsort is a radix sort
    ascending = np.argsort(capped, kind="stable")
    longest = int(capped.max(initial=0))
    running = capped.size - np.searchsorted(capped[ascending], np.arange(longest), side="right")
    order = ascending[::-1]
    position = starts[order]
    register = np.full(order.size, 0xFFFFFFFF, dtype=np.uint32)
    for count in running.tolist():
        head = register[:count]
        low = head.astype(np.uint8)
        low ^= data.take(position[:count])
        head >>= 8
        head ^= _CRC_TABLE.take(low)
        position[:count] += 1
    hashes = np.empty_like(register)
    hashes[order] = ~register
    for word in np.flatnonzero(long).tolist():
        hashes[word] = zlib.crc32(data[starts[word] : starts[word] + lengths[word]].tobytes())
    return hashes


class Signer:
    """The MinHash hash values of texts: datasketch's affine32 permutations of ``seed`` over word shingles."""

    def __init__(self, num_perm: int, seed: int, shingle_words: int) -> None:
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
        self._a = np.asarray(a, dtype=np.uint32).reshape(-1, 1)
        self._b = np.asarray(b, dtype=np.uint32).reshape(-1, 1)
        self.num_perm = num_perm
        self.shingle_words = shingle_words

    def matrix(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(the signatures of the texts with words, a uint32 row each, in order; which texts have words)."""
        matrices, presents = [np.empty((0, self.num_perm), dtype=np.uint32)], [np.empty(0, dtype=bool)]
        for start in range(0, len(texts), _TEXTS):
            counts, hashes = word_hashes(texts[start : start + _TEXTS])
            present = counts > 0
            matrices.append(self._minimum(*self.shingle_hashes(hashes, counts[present])))
            presents.append(present)
        return np.concatenate(matrices), np.concatenate(presents)

    def shingle_hashes(self, hashes: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the hash of every shingle, as the scheme's fmix leaves it; how many each text has) of texts with
        ``counts`` words whose word hashes are ``hashes``. A text shorter than k words is one shingle, its
        missing words 0."""
        k = self.shingle_words
        mix = MIX[np.arange(k) % MIX.size]
        total = hashes.size
        padded = np.zeros(total + k - 1, dtype=np.uint32)
        padded[:total] = hashes
        mixed = padded[:total] * mix[0]
        for offset in range(1, k):
            mixed += padded[offset : offset + total] * mix[offset]
        firsts = np.cumsum(counts) - counts
        short = np.flatnonzero(counts < k)
        if short.size:
            # above, the shingle of a short text ran into the next text's words
            sums = np.zeros(short.size, dtype=np.uint32)
            for offset in range(k):
                words = np.where(counts[short] > offset, padded[firsts[short] + offset], 0).astype(np.uint32)
                sums += words * mix[offset]
            mixed[firsts[short]] = sums
        shingles = np.maximum(counts - k + 1, 1)
        # shingle j of a text starts at its word j
        first_shingles = np.cumsum(shingles) - shingles
        starts = np.repeat(firsts - first_shingles, shingles) + np.arange(int(shingles.sum()))
        return _fmix32(mixed[starts]), shingles

    def _minimum(self, hashes: np.ndarray, shingles: np.ndarray) -> np.ndarray:
        """Per text, the minimum over its shingles of ``a * hash + b`` for each permutation (a, b).

        A chunk of shingles at a time, so that the num_perm x chunk products stay in the cache: a text
        spanning chunks gets a minimum per piece, and then the minimum of those.
        """
        if not shingles.size:
            return np.empty((0, self.num_perm), dtype=np.uint32)
        total = hashes.size
        text_starts = np.cumsum(shingles) - shingles
        chunk_starts = np.arange(0, total, _SHINGLE_CHUNK)
        pieces = np.union1d(text_starts, chunk_starts)
        first_piece = np.searchsorted(pieces, np.append(chunk_starts, total))
        minima = np.empty((self.num_perm, pieces.size), dtype=np.uint32)
        products = np.empty((self.num_perm, min(total, _SHINGLE_CHUNK)), dtype=np.uint32)
        for chunk, start in enumerate(chunk_starts.tolist()):
            stop = min(start + _SHINGLE_CHUNK, total)
            view = products[:, : stop - start]
            np.multiply(self._a, hashes[start:stop], out=view)
            view += self._b
            low, high = first_piece[chunk], first_piece[chunk + 1]
            minima[:, low:high] = np.minimum.reduceat(view, pieces[low:high] - start, axis=1)
        if pieces.size > shingles.size:
            minima = np.minimum.reduceat(minima, np.searchsorted(pieces, text_starts), axis=1)
        return np.ascontiguousarray(minima.T)


def _fmix32(values: np.ndarray) -> np.ndarray:
    # MurmurHash3's finaliser, as datasketch's affine32 scheme applies to every input hash
    values = values ^ (values >> np.uint32(16))
    values *= np.uint32(0x85EBCA6B)
    values ^= values >> np.uint32(13)
    values *= np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))
