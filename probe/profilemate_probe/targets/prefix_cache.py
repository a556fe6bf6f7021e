"""Prefix-cache lookups: one record per KVCacheManager.get_computed_blocks() call (EngineCore).

What the engine needs to say why a request missed (aggregate/PrefixCacheMisses): how many of its
full blocks were found, the salted key of the first one that was not (matched against the keys of
evicted blocks, targets/kv_cache.py), and what an earlier request had at that block. The last part
is decided here, from an in-memory table the probe keeps and never writes: per parent block (the
block hash before it), the salted prefix hashes of up to two children the probe saw. A new child
that shares some leading tokens with one of them but not the whole block is a misaligned prefix
(the shared prefix ends inside a block, so vLLM cannot cache it); one with the same tokens and
other extras (cache salt, LoRA, image, prompt embeds) is an extras mismatch. Only keys and counts
leave the process: never text, token ids, salts or adapter names.

Cost: the table is fed only with blocks the lookup missed (the blocks vLLM is about to compute),
a block's prefix hashes are O(block_size^2) C-level tuple hashing; bench/prefix_cache_cost.py.
"""
from time import monotonic_ns

from ..patching import PatchTarget
from . import _keys

PROFILER = "prefix_cache"
MANAGER = "vllm.v1.core.kv_cache_manager"

CACHING, SKIPPED, SALT, LORA, MM, EMBEDS, RESUMED = 1, 2, 4, 8, 16, 32, 64
NEVER_SEEN, MISALIGNED, EXTRAS, SAME_BLOCK = 0, 1, 2, 3
MISMATCH_BITS = {"cache_salt": 1, "lora": 2, "mm": 4, "prompt_embeds": 8}
_CHILDREN_PER_PARENT = 4
# Parents remembered: bounded whatever the server runs (oldest first out). ~16 KiB per parent at
# block size 16 would be far less; a few MiB in all at the usual block sizes.
MAX_PARENTS = 1 << 14


class _Table:
    """(parent block hash, first prefix hash) -> [(extras, prefix hashes)], newest last; FIFO-bounded."""
    __slots__ = ("children",)

    def __init__(self):
        self.children = {}

    def add(self, parent, extras, hashes, owner):
        # keyed by the parent and the block's first token (its first prefix hash): the root's
        # children are every prompt's first block, and only those that share a first token can
        # share more
        slot = (parent, hashes[0])
        kids = self.children.get(slot)
        if kids is None:
            if len(self.children) >= MAX_PARENTS:
                del self.children[next(iter(self.children))]
            self.children[slot] = [(extras, hashes, owner)]
            return
        for e, h, _ in kids:
            if e == extras and h == hashes:
                return
        kids.append((extras, hashes, owner))
        if len(kids) > _CHILDREN_PER_PARENT:
            del kids[0]

    def classify(self, parent, extras, hashes, owner):
        """(shape, shared_tokens, mismatch bits) of a missed block against what earlier requests
        had there (not `owner` itself: a request looked up again while it waits for blocks)."""
        kids = self.children.get((parent, hashes[0]))
        if not kids:
            return NEVER_SEEN, 0, 0
        misaligned, mismatches = 0, []
        for e, h, o in kids:
            if o == owner:
                continue
            n = 0
            for a, b in zip(h, hashes):
                if a != b:
                    break
                n += 1
            if n == len(hashes) == len(h):
                if e == extras:
                    return SAME_BLOCK, n, 0
                bits = 0
                for tag in set(e) | set(extras):
                    if e.get(tag) != extras.get(tag):
                        bits |= MISMATCH_BITS.get(tag, 0)
                mismatches.append((bin(bits).count("1"), bits, n))
            else:
                # the same leading tokens (extras aside: a misaligned prefix is about tokens)
                misaligned = max(misaligned, n)
        if mismatches:
            # the closest: the block another request had with the fewest kinds of extras apart
            _, bits, n = min(mismatches)
            return EXTRAS, n, bits
        return (MISALIGNED, misaligned, 0) if misaligned else (NEVER_SEEN, 0, 0)


def _prefix_hashes(tokens):
    t = (_keys.SEED,) + tuple(tokens)
    return tuple([hash(t[:n]) for n in range(2, len(t) + 1)])


def _extras(request, start, end, j, fast):
    """The block's extra hash keys by kind, as hashes (vLLM's generate_block_hash_extra_keys)."""
    if fast:
        out = {}
        lora = request.lora_request
        if lora:
            out["lora"] = hash((lora.lora_name, lora.lora_path))
        if j == 0 and request.cache_salt:
            out["cache_salt"] = hash(request.cache_salt)
        return out
    from vllm.v1.core.kv_cache_utils import generate_block_hash_extra_keys
    keys, _ = generate_block_hash_extra_keys(request, start, end, 0)
    out = {}
    for k in keys or ():
        out[k[0]] = hash((out.get(k[0]), repr(k[1:])))
    return out


def _sizes(manager):
    """(group block size, hash blocks per group block), once per manager."""
    try:
        return manager._profilemate_sizes
    except AttributeError:
        bs = manager.kv_cache_config.kv_cache_groups[0].kv_cache_spec.block_size
        hbs = manager.block_pool.hash_block_size
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
    salt = request.cache_salt
    lora = request.lora_request
    if salt:
        flags |= SALT
    if lora:
        flags |= LORA
    if request.mm_features:
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
        tokens = request.all_token_ids
        table = _table(manager)
        fast = not request.mm_features and not embeds
        # the first missed block (full, or the prompt's partial tail) against what was seen,
        # then every block from there on goes into the table for later requests
        last = min(-(-num_tokens // bs), blocks + 1)
        for j in range(hit, last):
            start, end = j * bs, min((j + 1) * bs, num_tokens)
            parent = hashes[j * k - 1] if j else b""
            extras = _extras(request, start, end, j, fast)
            ph = _prefix_hashes(tokens[start:end])
            if j == hit:
                shape, shared, mismatch = table.classify(parent, extras, ph, request.request_id)
                if end - start < bs and shape != NEVER_SEEN:
                    # a partial block is never cached, whatever it matched: the prefix it shares
                    # ends inside it
                    shape, mismatch = MISALIGNED, 0
            table.add(parent, extras, ph, request.request_id)
    return (now, first_key, miss_key, _keys.text_key(salt),
                         _keys.text_key("%s\0%s" % (lora.lora_name, lora.lora_path)) if lora else 0,
                         num_tokens, bs, blocks, eligible, hit, shared, flags, shape, mismatch,
                         request.request_id)


def _get_computed_blocks(original, prof):
    def get_computed_blocks(self, request, *args, **kwargs):
        result = original(self, request, *args, **kwargs)
        if prof.enabled:
            try:
                prof.emit("prefix_cache_lookup", *_lookup(self, request, result, monotonic_ns()))
            except Exception as exc:
                prof.fail("KVCacheManager.get_computed_blocks", exc)
        return result
    return get_computed_blocks


TARGETS = [
    PatchTarget(PROFILER, MANAGER, "KVCacheManager.get_computed_blocks", ">=0.11", _get_computed_blocks),
]
