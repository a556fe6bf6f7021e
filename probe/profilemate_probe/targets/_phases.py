"""Which scheduled requests do prefill work in a step, from the SchedulerOutput alone: the
scheduler hook (EngineCore) and the forward-pass hook (worker) read the same object."""


def prefill_ids(so):
    """Requests doing prefill work in this step, from the SchedulerOutput alone: new ones,
    cached ones with no output yet (chunked prefill) and resumed ones recomputing. Decode
    requests are the common case, so they are never visited one by one: list.count and
    list.index find the zero-output entries in C."""
    ids = [new.req_id for new in so.scheduled_new_reqs]
    cached = so.scheduled_cached_reqs
    req_ids = cached.req_ids
    if req_ids:
        outs = cached.num_output_tokens
        i = -1
        for _ in range(outs.count(0)):
            i = outs.index(0, i + 1)
            ids.append(req_ids[i])
        resumed = cached.resumed_req_ids
        if resumed:
            ids.extend(rid for rid in resumed if outs[req_ids.index(rid)] != 0)
    return ids
