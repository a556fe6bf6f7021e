"""Prefix-cache lookups: one record per KVCacheManager.get_computed_blocks() call (EngineCore).

What the engine needs to say why a request missed (aggregate/PrefixCacheMisses): how many of its
full blocks were found, the salted key of the first one that was not (matched against the keys of
evicted blocks, targets/kv_cache.py), and what an earlier request had at that block. The last part
is decided here, from an in-memory table the probe keeps and never writes: per parent block (the
block hash before it) and first token, the (masked) token ids of up to four children the probe
saw. A new child that shares some leading tokens with one of them but not the whole block is a
misaligned prefix
(the shared prefix ends inside a block, so vLLM cannot cache it); one with the same tokens and
other extras (cache salt, LoRA, image, prompt embeds) is an extras mismatch. Only keys and counts
leave the process: never text, token ids, salts or adapter names.

Cost: the table is fed only with blocks the lookup missed (the blocks vLLM is about to compute,
at most MAX_FED_BLOCKS), their token ids masked in C-level passes; bench/prefix_cache_cost.py.
"""
from array import array
from collections import OrderedDict
import inspect
from itertools import repeat
import os
import struct
from time import monotonic_ns

from ..patching import PatchTarget
from ..spool import RECORDS, StringRecord, note_cut
from . import _keys

PROFILER = "prefix_cache"
MANAGER = "vllm.v1.core.kv_cache_manager"

CACHING, SKIPPED, SALT, LORA, MM, EMBEDS, RESUMED = 1, 2, 4, 8, 16, 32, 64
NEVER_SEEN, MISALIGNED, EXTRAS, SAME_BLOCK = 0, 1, 2, 3
MISMATCH_BITS = {"cache_salt": 1, "lora": 2, "mm": 4, "prompt_embeds": 8}
# Distinct extras remembered per first block (cache salts, adapters): the closest is compared
_FIRST_BLOCK_EXTRAS = 4
# Blocks remembered: bounded whatever the server runs (oldest first out). An entry is a key and a
# reference to its lookup's masked token ids (8 bytes a token): ~20 MiB at most at block size 16.
MAX_BLOCKS = 1 << 16
# Missed blocks of one lookup fed to the table (4,096 tokens at block size 16): a request that
# diverges further into another's unique part is told never_seen (docs/prefix-cache.md)
MAX_FED_BLOCKS = 256


class _Table:
    """What the probe saw after each block: (parent block hash, first token (masked), extras) ->
    (the masked token ids of the lookup that fed it, the block's offset in them, the request).
    `kinds` keeps, per (parent, first token), the extras last seen there (for the first block, the
    last few): a block found under other extras only is an extras mismatch. Both FIFO-bounded."""
    __slots__ = ("blocks", "kinds", "first")

    def __init__(self):
        # OrderedDicts: popping a plain dict's first key again and again is O(deleted keys) per
        # pop (its iterator walks the freed slots), an OrderedDict's popitem(last=False) is O(1)
        self.blocks = OrderedDict()
        self.kinds = OrderedDict()
        self.first = OrderedDict()

    def feed(self, parents, extras, th, bs, owner, first_extras=None):
        """The blocks of one lookup from its first missed one: parents[i] is the block hash before
        block i of them, th their masked token ids (_token_hashes), `extras` those of every block but the prompt's
        first (`first_extras`, when the lookup starts there). No Python code per block but the
        parents' list: the dict updates zip C-level iterators."""
        firsts = th[::bs]
        blocks, kinds = self.blocks, self.kinds
        blocks.update(zip(zip(parents, firsts, repeat(extras)), zip(repeat(th), range(0, len(th), bs),
                                                                  repeat(owner))))
        kinds.update(zip(zip(parents, firsts), repeat(extras)))
        if first_extras is not None:
            blocks[(b"", firsts[0], first_extras)] = (th, 0, owner)
            seen = self.first.setdefault(firsts[0], [])
            if first_extras in seen:
                seen.remove(first_extras)
            seen.append(first_extras)
            del seen[:-_FIRST_BLOCK_EXTRAS]
        for d in (blocks, kinds, self.first):
            while len(d) > MAX_BLOCKS:
                d.popitem(last=False)

    def _shared(self, key, hashes, owner):
        """Tokens shared with the block fed under `key` by another request (-1: none)."""
        got = self.blocks.get(key)
        if got is None or got[2] == owner:
            return -1
        th, off, _ = got
        n = 0
        for a, b in zip(th[off:off + len(hashes)], hashes):
            if a != b:
                break
            n += 1
        return n

    def classify(self, parent, extras, hashes, owner, block_size):
        """(shape, shared_tokens, mismatch bits) of a missed block against what earlier requests
        had there (not `owner` itself: a request looked up again while it waits for blocks)."""
        ft = hashes[0]
        n = self._shared((parent, ft, extras), hashes, owner)
        if n >= 0:
            return (SAME_BLOCK if n == block_size else MISALIGNED), n, 0
        others = self.first.get(ft, ()) if parent == b"" else (self.kinds.get((parent, ft)),)
        best = None
        for other in others:
            if other is None or other == extras:
                continue
            n = self._shared((parent, ft, other), hashes, owner)
            if n < 0:
                continue
            if n < block_size:
                cand = (1 << 8, MISALIGNED, n, 0)  # the same leading tokens: misaligned, extras aside
            else:
                bits = 0
                mine, theirs = dict(extras), dict(other)
                for tag in set(mine) | set(theirs):
                    if mine.get(tag) != theirs.get(tag):
                        bits |= MISMATCH_BITS.get(tag, 0)
                cand = (bin(bits).count("1"), EXTRAS, n, bits)  # the closest: fewest kinds apart
            best = cand if best is None or cand < best else best
        return (NEVER_SEEN, 0, 0) if best is None else best[1:]


# 8 secret bytes, drawn per process and never written, and that unit repeated: the pad XORed
# onto the token ids the table keeps (grown when a lookup feeds more tokens than it covers)
_UNIT = os.urandom(8)
_PAD = [_UNIT * 4096]


def _token_hashes(tokens):
    """The tokens as the table keeps them: each token id XORed with a per-process secret (the same
    for every token), in C-level passes over the whole run (no Python code per token). Two blocks
    share their first n tokens exactly when their first n entries are equal. (They were salted
    hashes, hash((seed, token)), ~140-200 ns a token, most of the hook's cost on a lookup that
    misses; these take ~50. Neither is ever written, and neither hides a token from whoever can
    read the process's memory and the secret in it: a salted hash is undone by hashing the
    vocabulary.)"""
    ids = array("q", tokens)
    n = len(ids) * 8
    pad = _PAD[0]
    if n > len(pad):
        pad = _PAD[0] = _UNIT * (n // 8 * 2)
    out = array("q")
    out.frombytes((int.from_bytes(ids, "little") ^ int.from_bytes(pad[:n], "little")).to_bytes(n, "little"))
    return out


def _extras_slow(request, start, end):
    """A multimodal or prompt-embeds block's extra hash keys by kind, hashed (vLLM's own
    generate_block_hash_extra_keys: the image identifiers and offsets, the embeddings' digest)."""
    from vllm.v1.core.kv_cache_utils import generate_block_hash_extra_keys
    keys, _ = generate_block_hash_extra_keys(request, start, end, 0)
    out = {}
    for k in keys or ():
        out[k[0]] = hash((out.get(k[0]), repr(k[1:])))
    return tuple(sorted(out.items()))


def _sizes(manager):
    """(group block size, hash blocks per group block), once per manager."""
    try:
        return manager._profilemate_sizes
    except AttributeError:
        bs = manager.kv_cache_config.kv_cache_groups[0].kv_cache_spec.block_size
        hbs = getattr(manager.block_pool, "hash_block_size", bs)  # before 0.2x: hashed at the block size
        s = manager._profilemate_sizes = (bs, max(1, bs // hbs))
        return s


def _table(manager):
    try:
        return manager._profilemate_table
    except AttributeError:
        t = manager._profilemate_table = _Table()
        return t


def _lookup(manager, request, result, now):
    bs, k = _sizes(manager)
    hashes = request.block_hashes
    blocks = len(hashes) // k
    num_tokens = request.num_tokens
    flags = 0
    if manager.enable_caching:
        flags |= CACHING
    if getattr(request, "skip_reading_prefix_cache", False):
        flags |= SKIPPED
    salt = getattr(request, "cache_salt", None)
    lora = getattr(request, "lora_request", None)
    mm = getattr(request, "mm_features", None)
    if salt:
        flags |= SALT
    if lora:
        flags |= LORA
    if mm:
        flags |= MM
    embeds = getattr(request, "prompt_embeds", None) is not None
    if embeds:
        flags |= EMBEDS
    if getattr(request, "num_preemptions", 0) or request.num_output_tokens:
        flags |= RESUMED
    eligible = min(blocks, (num_tokens - 1) // bs)
    hit = result[1] // bs
    first_key = _keys.key(hashes[k - 1]) if blocks else 0
    miss_key = _keys.key(hashes[(hit + 1) * k - 1]) if hit < blocks else 0
    shape, shared, mismatch = NEVER_SEEN, 0, 0
    if not flags & RESUMED and flags & CACHING:
        cached = getattr(request, "_profilemate_pc", None)
        if cached is not None and cached[0] == hit:
            # looked up again while it waited for blocks, finding as much: the same answer (its
            # own blocks, fed the first time, would otherwise read as seen)
            shape, shared, mismatch = cached[1]
        else:
            shape, shared, mismatch = _classify_and_feed(manager, request, hashes, bs, k, hit, blocks,
                                                         num_tokens, salt, lora, mm or embeds)
            request._profilemate_pc = (hit, (shape, shared, mismatch))
    return (now, first_key, miss_key, _keys.text_key(salt),
            _keys.text_key("%s\0%s" % (lora.lora_name, lora.lora_path)) if lora else 0,
            num_tokens, bs, blocks, eligible, hit, shared, flags, shape, mismatch, request.request_id)


def _classify_and_feed(manager, request, hashes, bs, k, hit, blocks, num_tokens, salt, lora, slow):
    """The first missed block (full, or the prompt's partial tail) against what was seen; then it
    and the missed blocks after it (at most MAX_FED_BLOCKS: the blocks vLLM is about to compute)
    go into the table for later requests."""
    table = _table(manager)
    last = min(-(-num_tokens // bs), blocks + 1, hit + MAX_FED_BLOCKS)
    if last <= hit:
        return NEVER_SEEN, 0, 0  # nothing after the hit (a caller's max_cache_hit_length)
    th = _token_hashes(request.all_token_ids[hit * bs:min(last * bs, num_tokens)])
    parents = [hashes[j * k - 1] if j else b"" for j in range(hit, last)]
    owner = request.request_id
    if not slow:
        later = (("lora", hash((lora.lora_name, lora.lora_path))),) if lora else ()
        first = later + ((("cache_salt", hash(salt)),) if salt else ()) if hit == 0 else None
        mine = later if first is None else first
        result = table.classify(parents[0], mine, th[:bs], owner, bs)
        table.feed(parents if first is None else parents[1:], later, th if first is None else th[bs:], bs, owner,
                   None)
        if first is not None:
            table.feed([b""], first, th[:bs], bs, owner, first)
    else:
        # an image or prompt embeddings: each block's own extra keys, block by block (rare)
        result = None
        for i, j in enumerate(range(hit, last)):
            extras = _extras_slow(request, j * bs, min((j + 1) * bs, num_tokens))
            ph = th[i * bs:(i + 1) * bs]
            if result is None:
                result = table.classify(parents[i], extras, ph, owner, bs)
            table.feed([parents[i]], extras, ph, bs, owner, extras if j == 0 else None)
    shape, shared, mismatch = result
    if num_tokens - hit * bs < bs and shape != NEVER_SEEN:
        # a partial block is never cached, whatever it matched: the prefix it shares ends inside it
        shape, mismatch = MISALIGNED, 0
    return shape, shared, mismatch


# The record is packed here, on vLLM's thread, in two parts: its length, type and t_ns, and the
# rest (fields and the request id), which a request looked up again with the same answer reuses
# (_memo): most lookups are such retries (a waiting request is looked up every step until its
# blocks fit: 299 of the demo's 411), and packing them on the spool thread cost it ~5 us apiece.
_REC = StringRecord("prefix_cache_lookup")
_TYPE, _FIXED = _REC.type_id, _REC.fixed_size
_HEAD = struct.Struct("<IHq").pack
_FIELDS = RECORDS["prefix_cache_lookup"]._fixed.format  # "<q..." : t_ns first (an i64), then the rest
_REST = struct.Struct("<" + _FIELDS[2:]).pack


def _id_str(rid):
    """The request id as the spool stores a str (u16 length, at most 65,535 bytes, a cut counted)."""
    b = rid.encode("utf-8", "replace")
    if len(b) > 65535:
        b = b[:65535]
        note_cut()
    return len(b).to_bytes(2, "little") + b


def _memo(manager, request, result, now):
    """(hit, num_tokens, num_preemptions, body length, packed fields after t_ns): what a retry
    with the same hit, tokens and preemptions writes again (its _lookup would be the same)."""
    fields = _lookup(manager, request, result, now)
    rest = _REST(*fields[1:-1]) + _id_str(fields[-1])
    memo = request._profilemate_lookup = (result[1], request.num_tokens, getattr(request, "num_preemptions", 0),
                                          len(rest) + 8, rest)
    return memo


def _get_computed_blocks(original, prof):
    # The record's code is in each hook's own frame (no helper call): one Python call less per
    # lookup, and the guarded code (the `try` whose handler calls prof.fail) is where the fault
    # tests (tests/drive_faults.py) look for a hook's own work.
    try:
        params = list(inspect.signature(original).parameters.values())
    except (TypeError, ValueError):
        params = None
    if params is not None and [p.name for p in params] == ["self", "request", "max_cache_hit_length"] \
            and params[2].default is None and all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params):
        # vLLM 0.33's signature as it is: no *args/**kwargs (a new dict on every call)
        def get_computed_blocks(self, request, max_cache_hit_length=None):
            result = original(self, request, max_cache_hit_length)
            if prof.enabled:
                t = monotonic_ns()
                try:
                    try:
                        memo = request._profilemate_lookup
                        if memo[0] != result[1] or memo[1] != request.num_tokens \
                                or memo[2] != getattr(request, "num_preemptions", 0):
                            memo = _memo(self, request, result, t)
                    except AttributeError:
                        memo = _memo(self, request, result, t)
                    prof.out(_HEAD(memo[3], _TYPE, t) + memo[4])
                except Exception as exc:
                    prof.fail("KVCacheManager.get_computed_blocks", exc)
            return result
        return get_computed_blocks

    def get_computed_blocks(self, request, *args, **kwargs):  # noqa: F811 (another vLLM's signature)
        result = original(self, request, *args, **kwargs)
        if prof.enabled:
            t = monotonic_ns()
            try:
                try:
                    memo = request._profilemate_lookup
                    if memo[0] != result[1] or memo[1] != request.num_tokens \
                            or memo[2] != getattr(request, "num_preemptions", 0):
                        memo = _memo(self, request, result, t)
                except AttributeError:
                    memo = _memo(self, request, result, t)
                prof.out(_HEAD(memo[3], _TYPE, t) + memo[4])
            except Exception as exc:
                prof.fail("KVCacheManager.get_computed_blocks", exc)
        return result
    return get_computed_blocks


TARGETS = [
    PatchTarget(PROFILER, MANAGER, "KVCacheManager.get_computed_blocks", ">=0.11", _get_computed_blocks),
]
