"""State the scheduler-step record joins in from the KV cache and request hooks.

Two owners, never mixed: what vLLM's scheduler thread keeps (set in hooks) and what the spool
thread keeps (set only in functions the hooks defer to it, which run one at a time, in order).
"""


class StepCounters:
    """Spool thread: KV work since the last scheduler step, counted from the deferred facts."""
    __slots__ = ("allocated", "evicted")

    def __init__(self):
        self.allocated = 0
        self.evicted = 0


# -- scheduler thread --------------------------------------------------------------------------
# requests finished inside the current update_from_output()
FINISHED = [0]
# block ids evicted since the last allocation (of the scheduler's one block pool)
EVICTED = []
# (what happened, pool, t_ns, blocks or block ids), in order, until schedule() hands them over
KV_LOG = []
# prefix-cache hits (blocks) since the last schedule() hand-over
HITS = [0]
# preempted requests not yet scheduled again
PREEMPTED = set()
# set while Scheduler.schedule() runs: preemptions there come from a full KV cache
IN_SCHEDULE = [False]

# -- spool thread ------------------------------------------------------------------------------
COUNTERS = StepCounters()
# request_id -> [num_prompt_tokens, first_token_seen]; live requests only
LIVE = {}
