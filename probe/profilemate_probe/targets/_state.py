"""Counters the scheduler-step record joins in from the KV-block hooks.

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
# set while Scheduler.reset_prefix_cache() runs: preemptions there are not for want of KV blocks
IN_RESET = [False]
