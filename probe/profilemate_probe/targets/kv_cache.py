"""KV blocks: allocation, prefix-cache hits, frees and evictions (EngineCore, BlockPool).

vLLM's blocks carry no timestamps, so each pool gets two arrays indexed by block id:
when the block was last handed out and when it was last freed. An eviction then costs a
list append where it happens, and its ages are computed per batch with map() in C.
"""
from itertools import repeat
from operator import sub
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
    pending = _state.EVICTED

    def get_new_blocks(self, *args, **kwargs):
        blocks = original(self, *args, **kwargs)
        if prof.enabled:
            try:
                now = monotonic_ns()
                if pending:
                    flush_evictions(self, prof.emit_rows, now)  # before the new allocation times overwrite theirs
                alloc = _times(self)[0]
                for b in blocks:
                    alloc[b.block_id] = now
                counters.allocated += len(blocks)
            except Exception as exc:
                prof.fail("BlockPool.get_new_blocks", exc)
        return blocks
    return get_new_blocks


def _maybe_evict(original, prof):
    pending = _state.EVICTED

    def _maybe_evict_cached_block(self, block, *args, **kwargs):
        # Called for every block taken from the free queue, so the hook does the least it can:
        # remember the block id; flush_evictions() writes the records once per allocation.
        # vLLM >= 0.11 returns whether the block was cached (and is now evicted).
        result = original(self, block, *args, **kwargs)
        if result and prof.enabled:
            pending.append(block.block_id)
        return result
    return _maybe_evict_cached_block


def flush_evictions(pool, emit_rows, now):
    """kv_block_eviction records, at `now`, for the blocks of `pool` (the scheduler's only block
    pool) evicted since the last flush, as one batch: the writer thread packs one record per block."""
    pending = _state.EVICTED
    alloc, freed = _times(pool)
    bids = pending[:]
    pending.clear()
    emit_rows("kv_block_eviction", now, bids,
              list(map(sub, repeat(now), map(alloc.__getitem__, bids))),
              list(map(sub, repeat(now), map(freed.__getitem__, bids))))
    _state.COUNTERS.evicted += len(bids)


def _touch(original, prof):
    counters = _state.COUNTERS

    def touch(self, blocks, *args, **kwargs):
        result = original(self, blocks, *args, **kwargs)
        if prof.enabled:
            try:
                n = 0
                for b in blocks:
                    # older vLLM passes one list per KV cache group
                    n += len(b) if b.__class__ is list else (0 if b.is_null else 1)
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
            # Every block of the call gets the time, also those still shared: a block is only
            # evicted after its last free, which writes the time again, so the last write wins.
            freed = _times(self)[1]
            now = monotonic_ns()
            for b in blocks:
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
