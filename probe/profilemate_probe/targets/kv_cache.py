"""KV blocks: allocation, prefix-cache hits, frees and evictions (EngineCore, BlockPool).

vLLM's blocks carry no timestamps, so the pool gets two lists indexed by block id: when the
block was last handed out and when it was last freed. An eviction is packed into its record
in the get_new_blocks call that makes it (the block's allocation time is about to be
overwritten by its reuse), from the block's hash read before vLLM resets it.
"""
from time import monotonic_ns

from ..patching import PatchTarget
from ..spool import packer
from . import _keys, _state

PROFILER = "kv_cache"
POOL = "vllm.v1.core.block_pool"
_EVICTION = packer("kv_block_eviction")


def _times(pool):
    """(allocated_at, freed_at) by block id, kept on the pool (also as two attributes of their
    own, which the hooks below read per call: a hook that cached the last pool it saw kept that
    pool and its blocks alive after vLLM dropped it; the per-call read costs no more than that
    cache's check, bench/results/lifetimes.txt)."""
    # Not pool.__dict__: on Python 3.11 and 3.12 reading an instance's __dict__ turns its inline
    # attribute values into a dict for good, and vLLM's own BlockPool methods then read
    # self.* more slowly (get_new_blocks + free_blocks ~12 % slower, server64 ~1 point).
    try:
        return pool._profilemate_times
    except AttributeError:
        n = len(pool.blocks)
        now = monotonic_ns()
        t = pool._profilemate_times = ([now] * n, [now] * n)
        pool._profilemate_allocated, pool._profilemate_freed = t
        return t


def _get_new_blocks(original, prof):
    counters = _state.COUNTERS
    key = _keys.key

    def get_new_blocks(self, num_blocks):
        if not prof.enabled:
            return original(self, num_blocks)
        # vLLM hands out the first num_blocks blocks of its free queue and, with prefix caching
        # on, evicts each that is still cached (_maybe_evict_cached_block: it resets the block's
        # hash). Those are read here, before the call, walking the queue from its head: one hook
        # per allocation instead of one more Python call per block (778 in the demo's 517 steps).
        cached = None
        try:
            if self.enable_caching:
                b = self.free_block_queue.fake_free_list_head.next_free_block
                for _ in range(num_blocks):
                    if b is None:
                        break
                    if b._block_hash is not None:
                        if cached is None:
                            cached = []
                        cached.append(b)
                        cached.append(b._block_hash)
                    b = b.next_free_block
        except Exception as exc:
            prof.fail("BlockPool.get_new_blocks", exc)
        blocks = original(self, num_blocks)
        if prof.enabled:
            try:
                try:
                    allocated_at = self._profilemate_allocated
                except AttributeError:
                    allocated_at = _times(self)[0]
                now = monotonic_ns()
                if cached is not None:
                    _evicted(prof.out, self, cached, now, allocated_at, key)
                for b in blocks:
                    allocated_at[b.block_id] = now
                counters.allocated += len(blocks)
            except Exception as exc:
                prof.fail("BlockPool.get_new_blocks", exc)
        return blocks
    return get_new_blocks


def _evicted(out, pool, cached, now, allocated_at, key):
    """kv_block_eviction records for the blocks vLLM evicted in this call: those of `cached`
    (block, hash before the call, ...) whose hash it reset. Idle since their last free: a block
    taken from the free queue had no holder."""
    freed_at = pool._profilemate_freed
    for i in range(0, len(cached), 2):
        block = cached[i]
        if block._block_hash is not None:
            continue  # not evicted (vLLM evicts every cached block it hands out; never seen)
        bid = block.block_id
        block_hash = cached[i + 1]
        out(_EVICTION(now, bid, now - allocated_at[bid], now - freed_at[bid],
                      key(block_hash[:-4]) if block_hash.__class__ is bytes else 0))  # less the group id


def _evict_blocks(original, prof):
    """A KV connector's BlockPool.evict_blocks(block_ids): vLLM evicts those of the blocks that
    are cached, also blocks still in use (idle for no time). Rare: once per connector report."""
    key = _keys.key

    def evict_blocks(self, block_ids):
        if not prof.enabled:
            return original(self, block_ids)
        cached = None
        try:
            ids = block_ids if block_ids.__class__ in (set, frozenset, list, tuple) else list(block_ids)
            blocks = self.blocks
            cached = [(blocks[bid], blocks[bid]._block_hash, blocks[bid].ref_cnt) for bid in ids
                      if 0 <= bid < len(blocks) and blocks[bid]._block_hash is not None]
            block_ids = ids
        except Exception as exc:
            prof.fail("BlockPool.evict_blocks", exc)
        result = original(self, block_ids)
        if prof.enabled and cached:
            try:
                allocated_at, freed_at = _times(self)
                now = monotonic_ns()
                for block, block_hash, ref_cnt in cached:
                    if block._block_hash is not None:
                        continue
                    bid = block.block_id
                    prof.out(_EVICTION(now, bid, now - allocated_at[bid], now - freed_at[bid] if not ref_cnt else 0,
                                       key(block_hash[:-4]) if block_hash.__class__ is bytes else 0))
            except Exception as exc:
                prof.fail("BlockPool.evict_blocks", exc)
        return result
    return evict_blocks


def _touch(original, prof):
    counters = _state.COUNTERS

    def touch(self, blocks):
        result = original(self, blocks)
        if prof.enabled:
            try:
                n = len(blocks)
                if n and blocks[0].__class__ is list:
                    n = sum(map(len, blocks))  # older vLLM passes one list per KV cache group
                else:
                    for b in blocks:
                        if b.is_null:
                            n -= 1
                counters.prefix_hit += n
            except Exception as exc:
                prof.fail("BlockPool.touch", exc)
        return result
    return touch


def _free_blocks(original, prof):
    def free_blocks(self, ordered_blocks):
        if not prof.enabled:
            return original(self, ordered_blocks)
        # may be a one-shot iterator: keep a list so both vLLM and the probe see every block
        blocks = ordered_blocks if ordered_blocks.__class__ is list else list(ordered_blocks)
        result = original(self, blocks)
        try:
            # Every block of the call gets the time, also those still shared: a block is only
            # evicted after its last free, which writes the time again, so the last write wins.
            try:
                freed_at = self._profilemate_freed
            except AttributeError:
                freed_at = _times(self)[1]
            now = monotonic_ns()
            for b in blocks:
                freed_at[b.block_id] = now
        except Exception as exc:
            prof.fail("BlockPool.free_blocks", exc)
        return result
    return free_blocks


# called per block or per request: the hooks take vLLM's parameters as they are
TARGETS = [
    PatchTarget(PROFILER, POOL, "BlockPool.get_new_blocks", ">=0.11", _get_new_blocks,
                params=("self", "num_blocks")),
    PatchTarget(PROFILER, POOL, "BlockPool.evict_blocks", ">=0.11", _evict_blocks, params=("self", "block_ids"),
                optional=True, note="a KV connector's evictions (vLLM releases with KV connectors)"),
    PatchTarget(PROFILER, POOL, "BlockPool.touch", ">=0.11", _touch, params=("self", "blocks")),
    PatchTarget(PROFILER, POOL, "BlockPool.free_blocks", ">=0.11", _free_blocks, params=("self", "ordered_blocks")),
]
