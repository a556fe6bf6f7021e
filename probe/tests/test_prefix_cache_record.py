"""The prefix-cache hook packs its record on vLLM's thread (and a retry reuses the packed fields):
the bytes must be exactly what the spool's schema packs, and the table's masked token ids must
compare as the token ids do. No vLLM needed."""
import random

from conftest import PROBE  # noqa: F401  (puts the probe on sys.path)
from profilemate_probe.spool import RECORDS
from profilemate_probe.targets import prefix_cache as pc


def _in_place(fields):
    rest = pc._REST(*fields[1:-1]) + pc._id_str(fields[-1])
    return pc._HEAD(len(rest) + 8, pc._TYPE, fields[0]) + rest


def test_the_record_packed_in_place_is_the_schemas():
    schema = RECORDS["prefix_cache_lookup"]
    for rid in ("chat-1", "d\u00e9j\u00e0-vu-\u4e2d", "x" * 70000):  # ascii, multi-byte, cut at 65,535 bytes
        fields = (123456789, -5, 7, 0, 1 << 62, 1500, 16, 93, 93, 8, 3, 1 | 64, 1, 0, rid)
        assert _in_place(fields) == schema.pack(fields)


def test_masked_token_ids_compare_as_the_ids_and_are_not_the_ids():
    rng = random.Random(5)
    a = [rng.randrange(200000) for _ in range(5000)]  # longer than the first pad: it grows
    b = a[:3000] + [rng.randrange(200000) for _ in range(100)]
    ma, mb = pc._token_hashes(a), pc._token_hashes(b)
    assert len(ma) == len(a) and len(mb) == len(b)
    assert list(ma[:3000]) == list(mb[:3000])
    for i in range(3000, 3100):
        assert (ma[i] == mb[i]) == (a[i] == b[i])
    assert sum(x == y for x, y in zip(ma, a)) < 5  # masked: not the token ids themselves
    assert len(set(ma)) == len(set(a))
