"""GraphUseCounter: capture / replay / eager bookkeeping for CUDA-graph wrapper calls.

Pure Python (no torch). A probe hook around vLLM's CUDAGraphWrapper.__call__ does

    kind = classify_call(wrapper, fc.cudagraph_runtime_mode, fc.batch_descriptor)   # BEFORE the call
    t0 = monotonic_ns(); out = original(wrapper, *a, **kw); t1 = monotonic_ns()
    if counts_steps(wrapper): counter.on_call(kind, mode_name, descriptor_key(bd), t1 - t0)

classify_call mirrors CUDAGraphWrapper.__call__: runtime mode NONE runs eagerly (EAGER); a
mode other than the wrapper's own runs the runnable directly (PASSTHROUGH: e.g. the FULL wrapper
during a PIECEWISE step, or the pieces while a FULL graph is being captured); otherwise a descriptor whose entry holds no graph yet is captured
now, and one whose entry holds a graph is replayed. In PIECEWISE mode there is one wrapper per
piece: count only the wrapper with cudagraph_options.debug_log_enable (the first piece), which
counts_steps() checks. Graphs captured during memory profiling and thrown away
(CUDAGraphWrapper.clear_all_graphs) must not count: call discard() from that hook.
"""

EAGER, CAPTURE, REPLAY, PASSTHROUGH = "eager", "capture", "replay", "passthrough"


_KEYS = {}


def descriptor_key(bd):
    """Cached _descriptor_key (descriptors are hashable and few: one per capture size)."""
    try:
        return _KEYS[bd]
    except (KeyError, TypeError):
        pass
    key = _descriptor_key(bd)
    if len(_KEYS) < 4096:
        try:
            _KEYS[bd] = key
        except TypeError:
            pass
    return key


def _descriptor_key(bd):
    """A version-independent key for a BatchDescriptor: type name and positional field values.
    BatchDescriptor was a NamedTuple (fields renamed across releases) and is a frozen dataclass
    in vLLM 0.33, where tuple(bd) raises TypeError."""
    if bd is None:
        return "None"
    fields = getattr(bd, "__dataclass_fields__", None)
    if fields is not None:
        values = tuple(getattr(bd, f) for f in fields)
    else:
        try:
            values = tuple(bd)
        except TypeError:
            return repr(bd)
    return "%s%r" % (type(bd).__name__, values)


def classify_call(wrapper, runtime_mode, batch_descriptor):
    """capture | replay | eager | passthrough for a CUDAGraphWrapper-like object (reads only).
    Call it BEFORE the wrapped call: the call itself creates the entry it captures."""
    if runtime_mode is None or _is_none_mode(runtime_mode):
        return EAGER
    if runtime_mode != getattr(wrapper, "runtime_mode", None):
        return PASSTHROUGH
    entries = getattr(wrapper, "concrete_cudagraph_entries", None) or {}
    entry = entries.get(batch_descriptor)
    if entry is not None and getattr(entry, "cudagraph", None) is not None:
        return REPLAY
    return CAPTURE


def _is_none_mode(mode):
    name = getattr(mode, "name", None)
    if name is not None:
        return name == "NONE"
    return mode == 0


def counts_steps(wrapper):
    """True for the wrapper that stands for a whole step (FULL, or the first PIECEWISE piece)."""
    opts = getattr(wrapper, "cudagraph_options", None)
    return opts is None or bool(getattr(opts, "debug_log_enable", True))


class GraphUseCounter:
    """Per (mode, descriptor) capture and replay counts; eager and passthrough call counts
    (calls, not steps: with FULL_AND_PIECEWISE a NONE step reaches two step-level wrappers,
    so count eager STEPS at the runner from the forward context's mode); discarded captures."""

    def __init__(self):
        self.captures = {}     # (mode, key) -> [count, total_capture_ns]
        self.replays = {}      # (mode, key) -> count
        self.eager = 0
        self.passthrough = 0
        self.discarded_captures = 0
        self.discarded_replays = 0
        self.epoch = 0

    def on_call(self, kind, mode, key, duration_ns=0):
        k = (mode, key)
        if kind == REPLAY:
            self.replays[k] = self.replays.get(k, 0) + 1
        elif kind == CAPTURE:
            c = self.captures.get(k)
            if c is None:
                self.captures[k] = [1, duration_ns or 0]
            else:
                c[0] += 1
                c[1] += duration_ns or 0
        elif kind == PASSTHROUGH:
            self.passthrough += 1
        else:
            self.eager += 1

    def discard(self):
        """Every graph captured so far was thrown away: forget their captures and replays."""
        self.discarded_captures += sum(c[0] for c in self.captures.values())
        self.discarded_replays += sum(self.replays.values())
        self.captures = {}
        self.replays = {}
        self.epoch += 1

    def summary(self):
        keys = sorted(set(self.captures) | set(self.replays))
        rows = [{"mode": m, "descriptor": k, "captures": self.captures.get((m, k), [0, 0])[0],
                 "capture_ns": self.captures.get((m, k), [0, 0])[1],
                 "replays": self.replays.get((m, k), 0)} for m, k in keys]
        return {"graphs": rows, "eager": self.eager, "passthrough": self.passthrough,
                "discarded_captures": self.discarded_captures,
                "discarded_replays": self.discarded_replays, "epoch": self.epoch}
