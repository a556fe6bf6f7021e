"""KV blocks: allocation, prefix-cache hits, frees and evictions (EngineCore, BlockPool).

vLLM's blocks carry no timestamps, so the pool gets two lists indexed by block id: when the
block was last handed out and when it was last freed. An eviction is packed into its record
where it happens (its allocation time is about to be overwritten by the block's reuse).
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

    def get_new_blocks(self, num_blocks):
        blocks = original(self, num_blocks)
        if prof.enabled:
            try:
                try:
                    allocated_at = self._profilemate_allocated
                except AttributeError:
                    allocated_at = _times(self)[0]
                now = monotonic_ns()
                for b in blocks:
                    allocated_at[b.block_id] = now
                counters.allocated += len(blocks)
            except Exception as exc:
                prof.fail("BlockPool.get_new_blocks", exc)
        return blocks
    return get_new_blocks


def _maybe_evict(original, prof):
    def _maybe_evict_cached_block(self, block):
        # Called for every block taken from the free queue (before get_new_blocks stamps its
        # new allocation time). vLLM >= 0.11 returns whether the block was cached (and is
        # now evicted). The engine counts evictions from these records alone.
        block_hash = block._block_hash  # reset by the call: its key says which prefix went
        result = original(self, block)
        if result and prof.enabled:
            try:
                try:
                    allocated_at = self._profilemate_allocated
                    freed_at = self._profilemate_freed
                except AttributeError:
                    allocated_at, freed_at = _times(self)
                bid = block.block_id
                now = monotonic_ns()
                # a KV connector's evict_blocks may take a block still in use: idle for no time
                prof.out(_EVICTION(now, bid, now - allocated_at[bid], now - freed_at[bid] if not block.ref_cnt else 0,
                                   _keys.key(block_hash[:-4]) if block_hash.__class__ is bytes else 0))  # less the group id
            except Exception as exc:
                prof.fail("BlockPool._maybe_evict_cached_block", exc)
        return result
    return _maybe_evict_cached_block


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
    PatchTarget(PROFILER, POOL, "BlockPool._maybe_evict_cached_block", ">=0.11", _maybe_evict,
                params=("self", "block")),
    PatchTarget(PROFILER, POOL, "BlockPool.touch", ">=0.11", _touch, params=("self", "blocks")),
    PatchTarget(PROFILER, POOL, "BlockPool.free_blocks", ">=0.11", _free_blocks, params=("self", "ordered_blocks")),
]
