"""Counters the scheduler-step record joins in from the KV-block hooks, and per-request state.

Only the EngineCore thread that runs the scheduler touches these, so plain ints suffice.
"""


class StepCounters:
    __slots__ = ("allocated", "prefix_hit")

    def __init__(self):
        self.allocated = 0
        self.prefix_hit = 0


COUNTERS = StepCounters()
# request_id -> [num_prompt_tokens, first_token_seen, its id as encode_strings(id, "") (scheduler._id_tail)];
# live requests only
LIVE = {}
PREEMPTED = set()
# Per-request state stays bounded however long the server runs: a request that never reaches
# _free_request (none should; a vLLM bug or a version that frees elsewhere) would otherwise stay
# for good. Past this many requests in flight the oldest state goes, counted (spool.note_forgotten)
# in the session's probe_losses. ~200 bytes a request: ~25 MiB at the cap.
MAX_REQUESTS = 1 << 17
# set while Scheduler.reset_prefix_cache() runs: preemptions there are not for want of KV blocks
IN_RESET = [False]
