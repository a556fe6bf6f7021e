"""Salted keys: what the probe writes in place of vLLM's block hashes.

A key is an 8-byte BLAKE2b of a block hash (or of a request's extras) keyed with a secret drawn
per process and never written, so a spool holds no value from which a prompt could be checked by
hashing guesses: vLLM's own block hashes are plain SHA-256 of the tokens (its NONE_HASH seed aside)
and would allow that. Keys from one process compare with each other only, which is all the engine
needs: a process's lookups and its pool's evictions are joined within that process.
"""
import os
from hashlib import blake2b

_SECRET = os.urandom(16)
# the keyed state, made once: a copy of it fed the data digests exactly as blake2b(data, key=...)
# does, at a third of the cost (keying a new hash object is most of BLAKE2b's ~2 us here)
_KEYED = blake2b(key=_SECRET, digest_size=8)
# seeds the in-memory prefix hashes (prefix_cache._prefix_hashes): never written either
SEED = int.from_bytes(os.urandom(8), "little")


def key(data):
    """The salted key of bytes (a vLLM BlockHash), as a signed i64 (0 is kept for "none")."""
    h = _KEYED.copy()
    h.update(data)
    return int.from_bytes(h.digest(), "little", signed=True) or 1


def text_key(s):
    """The salted key of a string (a cache salt, a LoRA name and path); 0 for none."""
    return key(s.encode("utf-8", "replace")) if s else 0
