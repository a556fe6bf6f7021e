"""KV blocks: allocation, prefix-cache hits, frees and evictions (EngineCore, BlockPool).

vLLM's blocks carry no timestamps, so each pool gets a clock: two arrays indexed by block id,
when the block was last handed out and when it was last freed. The hooks on vLLM's thread only
log the block lists with the time (one list append per call, one more per evicted block);
Scheduler.schedule() hands the log to the spool thread with its step record, which replays it in
order against the clock and writes the evictions with their ages.
"""
from itertools import repeat
from operator import sub
from time import monotonic_ns

from ..patching import PatchTarget
from . import _state

PROFILER = "kv_cache"
POOL = "vllm.v1.core.block_pool"


# -- spool thread: the block clock --------------------------------------------------------------
def _clock(pool):
    c = pool.__dict__.get("_profilemate_clock")
    if c is None:
        n = len(pool.blocks)
        now = monotonic_ns()
        # (allocated_at, freed_at, whether blocks name their pool: newer vLLM has several)
        c = pool._profilemate_clock = ([now] * n, [now] * n, n > 0 and hasattr(pool.blocks[0], "pool"))
    return c


def _allocated(pool, t, blocks):
    alloc = _clock(pool)[0]
    for b in blocks:
        alloc[b.block_id] = t
    _state.COUNTERS.allocated += len(blocks)


def _freed(pool, t, blocks):
    _, freed, named = _clock(pool)
    if named:
        for b in blocks:
            # blocks of other pools go on to their own free_blocks (hooked as well)
            if b.pool is pool or b.pool is None:
                freed[b.block_id] = t
    else:
        for b in blocks:
            freed[b.block_id] = t


def _evicted(pool, t, bids, rows):
    """Adds the evictions' rows (time, block, lifetime, idle time) to the step's columns."""
    alloc, freed, _ = _clock(pool)
    _state.COUNTERS.evicted += len(bids)
    times, ids, lives, idles = rows
    times.extend(repeat(t, len(bids)))
    ids.extend(bids)
    lives.extend(map(sub, repeat(t), map(alloc.__getitem__, bids)))
    idles.extend(map(sub, repeat(t), map(freed.__getitem__, bids)))


def replay(events):
    """The KV log of one step, in order; returns its evictions as one batch of records."""
    rows = ([], [], [], [])
    for fn, pool, t, arg in events:
        if fn is _evicted:
            _evicted(pool, t, arg, rows)
        else:
            fn(pool, t, arg)
    return [("kv_block_eviction", rows[0], rows[1:])] if rows[0] else []


# -- vLLM's thread: the hooks ------------------------------------------------------------------
def log_evictions(pool, now):
    """Logs the blocks of `pool` (the scheduler's one block pool) evicted since the last call."""
    pending = _state.EVICTED
    _state.KV_LOG.append((_evicted, pool, now, pending[:]))
    pending.clear()


def _get_new_blocks(original, prof):
    pending = _state.EVICTED
    log = _state.KV_LOG

    def get_new_blocks(self, *args, **kwargs):
        blocks = original(self, *args, **kwargs)
        if prof.enabled:
            try:
                now = monotonic_ns()
                if pending:
                    log_evictions(self, now)  # logged before the allocation that reuses them
                # vLLM hands this list to the request's block table and never changes it after
                log.append((_allocated, self, now, blocks))
            except Exception as exc:
                prof.fail("BlockPool.get_new_blocks", exc)
        return blocks
    return get_new_blocks


def _maybe_evict(original, prof):
    pending = _state.EVICTED

    def _maybe_evict_cached_block(self, block, *args, **kwargs):
        # Called for every block taken from the free queue, so the hook does the least it can:
        # remember the block id; get_new_blocks logs the batch once per allocation.
        # vLLM >= 0.11 returns whether the block was cached (and is now evicted).
        result = original(self, block, *args, **kwargs)
        if result and prof.enabled:
            pending.append(block.block_id)
        return result
    return _maybe_evict_cached_block


def _touch(original, prof):
    hits = _state.HITS

    def touch(self, blocks, *args, **kwargs):
        result = original(self, blocks, *args, **kwargs)
        if prof.enabled:
            try:
                n = 0
                for b in blocks:
                    # older vLLM passes one list per KV cache group
                    n += len(b) if b.__class__ is list else (0 if b.is_null else 1)
                hits[0] += n
            except Exception as exc:
                prof.fail("BlockPool.touch", exc)
        return result
    return touch


def _free_blocks(original, prof):
    log = _state.KV_LOG

    def free_blocks(self, ordered_blocks, *args, **kwargs):
        if not prof.enabled:
            return original(self, ordered_blocks, *args, **kwargs)
        # often a one-shot iterator: a list of our own lets both vLLM and the probe see every
        # block, and no caller can change it before the spool thread reads it
        blocks = list(ordered_blocks)
        result = original(self, blocks, *args, **kwargs)
        # Every block of the call gets the time, also those still shared: a block is only
        # evicted after its last free, which writes the time again, so the last write wins.
        log.append((_freed, self, monotonic_ns(), blocks))
        return result
    return free_blocks


TARGETS = [
    PatchTarget(PROFILER, POOL, "BlockPool.get_new_blocks", ">=0.11", _get_new_blocks),
    PatchTarget(PROFILER, POOL, "BlockPool._maybe_evict_cached_block", ">=0.11", _maybe_evict),
    PatchTarget(PROFILER, POOL, "BlockPool.touch", ">=0.11", _touch),
    PatchTarget(PROFILER, POOL, "BlockPool.free_blocks", ">=0.11", _free_blocks),
]
