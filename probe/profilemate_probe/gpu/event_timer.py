"""StepTimer: per-step GPU time from pooled, reused CUDA events, read back in batches.

    timer = StepTimer(callback, batch_size=100)       # callback(t_ns_host_start, duration_ns, tag)
    timer.begin(tag)      # records a start event on the current stream
    ...enqueue the step...
    timer.end()           # records the end event; every batch_size ends, resolves completed ones
    timer.flush()         # at shutdown: waits for and delivers every pending step

Hot-path rules kept here:
- No device synchronisation in begin()/end()/poll(): completed steps are found by query() on
  the OLDEST pending end event (stream order means a completed one implies every older one on
  that stream completed), and elapsed_time() is only called on completed pairs.
- Events are allocated once and reused (a free list); the pool is bounded by max_pending.
  When every pair is pending and none has completed, the new step is dropped and counted
  (`dropped`) instead of growing without bound.
- Steps begun while the current stream is capturing a CUDA graph are skipped (counted in
  `skipped_capture`): an event recorded into a capture does not time anything.
- Callbacks receive steps in begin order, each exactly once. flush() is the only call that
  may block (event.synchronize(), never a device-wide torch.cuda.synchronize()).

use_cuda_events=False, or no CUDA, gives host-clock timing: time.monotonic_ns() around the
step, delivered at end().
"""
import time
from collections import deque

_monotonic_ns = time.monotonic_ns


def _never():
    return False


def _no_stream():
    return None


def _stream_getter(torch, device):
    """The current stream as a torch Stream object, cached per stream: torch.cuda.current_stream()
    builds a new object (and switches device) on every call, several microseconds on some hosts;
    Event.record() without a stream calls it."""
    try:
        get = torch._C._cuda_getCurrentStream
        dev = torch.cuda.current_device() if device is None else torch.device(device).index
        if dev is None:
            dev = torch.cuda.current_device()
        Stream = torch.cuda.Stream
        cache = {}

        def current():
            sd = get(dev)
            s = cache.get(sd)
            if s is None:
                if len(cache) > 256:
                    cache.clear()
                s = cache[sd] = Stream(stream_id=sd[0], device_index=sd[1], device_type=sd[2])
            return s
        current()
        return current
    except Exception:
        return _no_stream


def _cuda_available():
    try:
        import torch
        return bool(torch.cuda.is_available())
    except Exception:
        return False


class StepTimer:
    """Per-step timer; see the module docstring.

    StepTimer(callback, batch_size=100, use_cuda_events=True, max_pending=None)
      callback(t_ns_host_start: int, duration_ns: int, tag) -> None
      batch_size: read back every batch_size ended steps (CUDA_EVENT_BATCH_SIZE)
      max_pending: event pairs in the pool (default max(4 * batch_size, 64))
      device: the CUDA device whose current stream is timed (default: the current device)
      check_capture: ask the driver whether the current stream is capturing on each begin()
        (one cudaStreamIsCapturing call); pass False when the caller already keeps timing out
        of graph captures (e.g. it does not time steps inside capture_model())
      event_factory, is_capturing: replacements for torch.cuda.Event(enable_timing=True) and
        torch.cuda.is_current_stream_capturing (tests)
    """

    def __init__(self, callback, batch_size=100, use_cuda_events=True, max_pending=None,
                 event_factory=None, is_capturing=None, check_capture=True, device=None):
        self.callback = callback
        self.batch_size = max(1, int(batch_size))
        self.max_pending = max(1, int(max_pending)) if max_pending else max(4 * self.batch_size, 64)
        # event_factory/is_capturing: stand-ins for torch.cuda.Event and
        # torch.cuda.is_current_stream_capturing (tests; other event-like backends)
        self.use_cuda_events = bool(use_cuda_events) and (event_factory is not None or _cuda_available())
        self.mode = "cuda_events" if self.use_cuda_events else "host_clock"
        self.dropped = 0           # steps not timed because the pool was exhausted
        self.skipped_capture = 0   # steps begun while the stream was capturing a graph
        self.unbalanced = 0        # begin() while a step was open, or end() without begin()
        self.delivered = 0
        self._pending = deque()    # (t0_ns, (start_ev, end_ev), tag), oldest first
        self._free = []            # reusable (start_ev, end_ev) pairs
        self._allocated = 0
        self._active = None
        self._since_read = 0
        self._stream = _no_stream
        if self.use_cuda_events and event_factory is not None:
            self._Event = event_factory
            self._capturing = is_capturing or (lambda: False)
        elif self.use_cuda_events:
            import torch
            self._Event = torch.cuda.Event
            self._capturing = is_capturing or torch.cuda.is_current_stream_capturing
            self._stream = _stream_getter(torch, device)
        else:
            self._Event = None
            self._capturing = None
        if self.use_cuda_events and not check_capture:
            self._capturing = _never

    # -- hot path ----------------------------------------------------------------------
    def begin(self, tag=None):
        """Opens a step. Returns False when the step will not be timed (dropped, capture)."""
        if self._active is not None:
            self.unbalanced += 1
            self._release(self._active)
            self._active = None
        t0 = _monotonic_ns()
        if not self.use_cuda_events:
            self._active = (t0, None, tag)
            return True
        if self._capturing():
            self.skipped_capture += 1
            return False
        free = self._free
        if free:
            pair = free.pop()
        else:
            pair = self._new_pair()
            if pair is None:
                self.dropped += 1
                return False
        pair[0].record(self._stream())
        self._active = (t0, pair, tag)
        return True

    def end(self):
        """Closes the open step (no-op when begin() returned False)."""
        active = self._active
        if active is None:
            return
        self._active = None
        if not self.use_cuda_events:
            t1 = _monotonic_ns()
            self.delivered += 1
            self.callback(active[0], t1 - active[0], active[2])
            return
        active[1][1].record(self._stream())
        self._pending.append(active)
        self._since_read += 1
        if self._since_read >= self.batch_size:
            self._since_read = 0
            self._drain(False)

    def cancel(self):
        """Forgets the open step (for a step that raised)."""
        if self._active is not None:
            self._release(self._active)
            self._active = None

    # -- read-back ---------------------------------------------------------------------
    def poll(self):
        """Delivers every already-completed step without blocking; returns how many."""
        return self._drain(False)

    def flush(self):
        """Waits for and delivers every pending step (shutdown; may block). Returns how many."""
        return self._drain(True)

    @property
    def pending(self):
        return len(self._pending)

    def stats(self):
        return {"mode": self.mode, "delivered": self.delivered, "pending": len(self._pending),
                "dropped": self.dropped, "skipped_capture": self.skipped_capture,
                "unbalanced": self.unbalanced, "events_allocated": 2 * self._allocated}

    def close(self):
        self.flush()
        self._free.clear()
        self._allocated = 0

    # -- internals ---------------------------------------------------------------------
    def _new_pair(self):
        if self._allocated < self.max_pending:
            self._allocated += 1
            return (self._Event(enable_timing=True), self._Event(enable_timing=True))
        if self._drain(False) and self._free:
            return self._free.pop()
        return None

    def _release(self, active):
        if active[1] is not None:
            self._free.append(active[1])

    def _drain(self, block):
        pending = self._pending
        if not pending:
            return 0
        if self._capturing is not None and self._capturing():
            return 0   # query()/synchronize() are not allowed while capturing
        n = 0
        free = self._free
        callback = self.callback
        while pending:
            t0, pair, tag = pending[0]
            end_ev = pair[1]
            if block:
                end_ev.synchronize()
            elif not end_ev.query():
                break
            ms = pair[0].elapsed_time(end_ev)
            pending.popleft()
            free.append(pair)
            n += 1
            self.delivered += 1
            callback(t0, int(round(ms * 1e6)), tag)
        return n
