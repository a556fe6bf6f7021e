"""StepTimer: host-clock mode, and the CUDA-event logic with stand-in events (no GPU here);
the real CUDA-event path runs when a GPU is present."""
import time

import pytest

from profilemate_probe.gpu.event_timer import StepTimer


class FakeGpu:
    """A stream whose work completes only when told: events complete in record order."""

    def __init__(self):
        self.clock_ns = 0
        self.completed_upto = 0   # events with seq <= this are complete
        self.seq = 0
        self.queries = 0
        self.syncs = 0

    def event(self, enable_timing=True):
        gpu = self

        class Ev:
            def __init__(self):
                self.seq = None
                self.t = None

            def record(self, stream=None):
                gpu.seq += 1
                gpu.clock_ns += 1000
                self.seq, self.t = gpu.seq, gpu.clock_ns

            def query(self):
                gpu.queries += 1
                return self.seq is not None and self.seq <= gpu.completed_upto

            def synchronize(self):
                gpu.syncs += 1
                gpu.completed_upto = max(gpu.completed_upto, self.seq)

            def elapsed_time(self, end):
                assert self.seq <= gpu.completed_upto and end.seq <= gpu.completed_upto, "elapsed_time on incomplete"
                return (end.t - self.t) / 1e6
        return Ev()

    def complete_all(self):
        self.completed_upto = self.seq


def test_host_clock_mode_delivers_in_order():
    got = []
    t = StepTimer(lambda t0, d, tag: got.append((t0, d, tag)), use_cuda_events=False)
    assert t.mode == "host_clock"
    for i in range(5):
        t.begin(i)
        time.sleep(0.001)
        t.end()
    assert [g[2] for g in got] == list(range(5))
    assert all(d >= 1_000_000 for _, d, _ in got)
    assert all(got[i][0] < got[i + 1][0] for i in range(4))
    assert t.flush() == 0


def test_cuda_requested_without_cuda_falls_back_to_host_clock():
    try:
        import torch
        if torch.cuda.is_available():
            pytest.skip("CUDA present")
    except ImportError:
        pass
    t = StepTimer(lambda *a: None, use_cuda_events=True)
    assert t.mode == "host_clock"


def test_events_read_back_in_batches_only_completed():
    gpu = FakeGpu()
    got = []
    t = StepTimer(lambda t0, d, tag: got.append((d, tag)), batch_size=10, event_factory=gpu.event)
    assert t.mode == "cuda_events"
    for i in range(9):
        t.begin(i)
        t.end()
    assert got == [] and gpu.queries == 0          # nothing read before the batch is full
    gpu.completed_upto = 2 * 5                     # first 5 steps (2 events each) done
    t.begin(9)
    t.end()                                         # 10th end: a read-back, non-blocking
    assert [g[1] for g in got] == [0, 1, 2, 3, 4]
    assert all(d == 1000 for d, _ in got)           # end - start on the fake clock
    assert gpu.syncs == 0
    assert t.pending == 5
    gpu.complete_all()
    assert t.poll() == 5
    assert [g[1] for g in got] == list(range(10))
    assert t.stats()["events_allocated"] <= 2 * t.max_pending


def test_events_are_reused_not_reallocated():
    gpu = FakeGpu()
    made = []

    def factory(enable_timing=True):
        made.append(1)
        return gpu.event()
    t = StepTimer(lambda *a: None, batch_size=4, event_factory=factory)
    for i in range(100):
        t.begin()
        t.end()
        gpu.complete_all()
    assert t.delivered >= 96
    assert len(made) <= 2 * 5                       # a handful of pairs, reused


def test_bounded_pool_drops_instead_of_growing():
    gpu = FakeGpu()
    t = StepTimer(lambda *a: None, batch_size=4, max_pending=8, event_factory=gpu.event)
    for i in range(50):                             # the GPU never completes anything
        t.begin()
        t.end()
    assert t.stats()["events_allocated"] == 16
    assert t.pending == 8 and t.dropped == 42
    gpu.complete_all()
    assert t.flush() == 8
    assert t.delivered == 8


def test_flush_blocks_on_events_not_device():
    gpu = FakeGpu()
    got = []
    t = StepTimer(lambda t0, d, tag: got.append(tag), batch_size=100, event_factory=gpu.event)
    for i in range(7):
        t.begin(i)
        t.end()
    assert t.flush() == 7 and got == list(range(7))
    assert gpu.syncs >= 1


def test_capture_is_skipped():
    gpu = FakeGpu()
    capturing = [True]
    got = []
    t = StepTimer(lambda t0, d, tag: got.append(tag), batch_size=1, event_factory=gpu.event,
                  is_capturing=lambda: capturing[0])
    assert t.begin("cap") is False
    t.end()
    capturing[0] = False
    t.begin("real")
    t.end()
    gpu.complete_all()
    t.flush()
    assert got == ["real"] and t.skipped_capture == 1


def test_unbalanced_begin_reuses_events():
    gpu = FakeGpu()
    t = StepTimer(lambda *a: None, batch_size=100, event_factory=gpu.event)
    t.begin(1)
    t.begin(2)
    t.end()
    t.end()
    assert t.unbalanced == 1 and t.pending == 1


def test_real_cuda_events_if_present():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    got = []
    t = StepTimer(lambda t0, d, tag: got.append((d, tag)), batch_size=8)
    a = torch.randn(512, 512, device="cuda")
    for i in range(20):
        t.begin(i)
        a = a @ a
        a = a / a.norm()
        t.end()
    t.flush()
    assert [g[1] for g in got] == list(range(20)) and all(d > 0 for d, _ in got)
