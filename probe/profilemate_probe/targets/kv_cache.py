"""KV blocks: allocation, prefix-cache hits, frees and evictions (EngineCore, BlockPool).

vLLM's blocks carry no timestamps, so each pool gets two arrays indexed by block id:
when the block was last handed out and when its last reference went away. An eviction
record then costs two subtractions.
"""
from time import monotonic_ns

from ..patching import PatchTarget
from . import _state

PROFILER = "kv_cache"
POOL = "vllm.v1.core.block_pool"


def _times(pool):
    t = pool.__dict__.get("_profilemate_times")
    if t is None:
        n = len(pool.blocks)
        now = monotonic_ns()
        t = ([now] * n, [now] * n)  # (allocated_at, freed_at)
        pool._profilemate_times = t
    return t


def _get_new_blocks(original, prof):
    counters = _state.COUNTERS

    def get_new_blocks(self, *args, **kwargs):
        blocks = original(self, *args, **kwargs)
        if prof.enabled:
            try:
                alloc = _times(self)[0]
                now = monotonic_ns()
                for b in blocks:
                    alloc[b.block_id] = now
                counters.allocated += len(blocks)
            except Exception as exc:
                prof.fail("BlockPool.get_new_blocks", exc)
        return blocks
    return get_new_blocks


def _maybe_evict(original, prof):
    counters = _state.COUNTERS
    emit = prof.emit

    def _maybe_evict_cached_block(self, block, *args, **kwargs):
        if not prof.enabled:
            return original(self, block, *args, **kwargs)
        # read before the original resets it: after the call a cached block looks uncached.
        # vLLM >= 0.11 also returns whether it evicted; older versions return None.
        had_hash = block.block_hash is not None
        result = original(self, block, *args, **kwargs)
        if result is True or (result is None and had_hash):
            try:
                now = monotonic_ns()
                alloc, freed = _times(self)
                bid = block.block_id
                counters.evicted += 1
                emit("kv_block_eviction", now, bid, now - alloc[bid], now - freed[bid])
            except Exception as exc:
                prof.fail("BlockPool._maybe_evict_cached_block", exc)
        return result
    return _maybe_evict_cached_block


def _touch(original, prof):
    counters = _state.COUNTERS

    def touch(self, blocks, *args, **kwargs):
        result = original(self, blocks, *args, **kwargs)
        if prof.enabled:
            try:
                n = 0
                for b in blocks:
                    # older vLLM passes one list per KV cache group
                    n += len(b) if isinstance(b, (list, tuple)) else (0 if b.is_null else 1)
                counters.prefix_hit += n
            except Exception as exc:
                prof.fail("BlockPool.touch", exc)
        return result
    return touch


def _free_blocks(original, prof):
    def free_blocks(self, ordered_blocks, *args, **kwargs):
        if not prof.enabled:
            return original(self, ordered_blocks, *args, **kwargs)
        # may be a one-shot iterator: keep a list so both vLLM and the probe see every block
        blocks = ordered_blocks if isinstance(ordered_blocks, list) else list(ordered_blocks)
        result = original(self, blocks, *args, **kwargs)
        try:
            freed = _times(self)[1]
            now = monotonic_ns()
            for b in blocks:
                if b.ref_cnt == 0:
                    freed[b.block_id] = now
        except Exception as exc:
            prof.fail("BlockPool.free_blocks", exc)
        return result
    return free_blocks


TARGETS = [
    PatchTarget(PROFILER, POOL, "BlockPool.get_new_blocks", ">=0.11", _get_new_blocks),
    PatchTarget(PROFILER, POOL, "BlockPool._maybe_evict_cached_block", ">=0.11", _maybe_evict),
    PatchTarget(PROFILER, POOL, "BlockPool.touch", ">=0.11", _touch),
    PatchTarget(PROFILER, POOL, "BlockPool.free_blocks", ">=0.11", _free_blocks),
]
