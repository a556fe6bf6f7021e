"""How the probe takes a fault, unit by unit (no vLLM): test_faults.py runs the same faults
against the real vLLM scheduler. These pin down the fixes those runs called for: a disabled
profiler says so in the session, a stopped spool stops every hook before it counts its losses,
and a collector that dies beside vLLM is said once."""
import errno
import importlib.machinery
import os
import signal
import subprocess
import sys
import time
import types

import pytest

from conftest import spool_chunks
from profilemate_probe import config, core, sidecar, spool
from profilemate_probe.hooks import after
from profilemate_probe.patching import PatchTarget, Profiler

EVICT = spool.packer("kv_block_eviction")


class Recorder:
    """A writer that keeps what it is handed."""
    enabled = True

    def __init__(self):
        self.records = []

    def emit(self, *values):
        self.records.append(values)

    def out(self, data):
        self.records.append(data)

    def close(self):
        pass


def _probe_with_fake_profilers(monkeypatch):
    """A Probe whose profiler table is two fake profilers on a fake host module, loaded the way
    the real ones are (Probe._load_profilers)."""
    host = types.ModuleType("pm_fault_host")
    host.__spec__ = importlib.machinery.ModuleSpec("pm_fault_host", None)  # imported: attach at once
    exec("class Engine:\n"
         "    def step(self, x):\n        return x * 2\n"
         "    def other(self, x):\n        return x + 1\n", host.__dict__)
    monkeypatch.setitem(sys.modules, "pm_fault_host", host)

    def broken(prof, args, kwargs, result, t0, t1):
        raise RuntimeError("probe bug")

    def fine(prof, args, kwargs, result, t0, t1):
        prof.out(EVICT(t0, args[1], 0, 0, 0))

    for name, target in (("pm_broken", PatchTarget("pm_broken", "pm_fault_host", "Engine.step", "", after(broken))),
                         ("pm_fine", PatchTarget("pm_fine", "pm_fault_host", "Engine.other", "", after(fine)))):
        mod = types.ModuleType("profilemate_probe.targets." + name)
        mod.TARGETS = [target]
        monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setattr(core, "PROFILER_MODULES", (("pm_broken", ("ENABLE_CPU_TIMING",)),
                                                    ("pm_fine", ("ENABLE_CPU_TIMING",))))
    p = core.Probe(config.load(environ={}), announce=False)
    p.writer = Recorder()
    p._load_profilers()
    return p, host


def test_a_failing_hook_disables_its_profiler_in_the_session_too_and_no_other(monkeypatch, capsys):
    p, host = _probe_with_fake_profilers(monkeypatch)
    rec = p.writer
    e = host.Engine()
    assert [e.step(3), e.step(4), e.other(5), e.other(6)] == [6, 8, 6, 7]
    status = [(r[2], r[3], r[4], r[5]) for r in rec.records if isinstance(r, tuple) and r[0] == "profiler_status"]
    assert status == [
        (core.ATTACHED, "pm_broken", "pm_fault_host:Engine.step", ""),
        (core.ATTACHED, "pm_fine", "pm_fault_host:Engine.other", ""),
        (core.FAILED, "pm_broken", "pm_fault_host:Engine.step", "Engine.step: RuntimeError: probe bug"),
    ]
    assert len([r for r in rec.records if isinstance(r, bytes)]) == 2  # the other profiler goes on
    states = {row["profiler"]: row["state"] for row in p.report()}
    assert states == {"pm_broken": "disabled", "pm_fine": "attached"}
    err = capsys.readouterr().err.splitlines()
    assert err == ["[profilemate] profiler pm_broken disabled after a hook error in Engine.step: RuntimeError: probe bug"]


def test_an_error_whose_message_cannot_be_read_stays_in_the_hook():
    class Unprintable(Exception):
        def __str__(self):
            raise ValueError("no str")

    told, logs = [], []
    prof = Profiler("demo", logs.append, lambda *a: None, on_disabled=lambda pr: (told.append(pr), 1 / 0))
    hook = after(lambda *a: (_ for _ in ()).throw(Unprintable()))(lambda x: x * 3, prof)
    assert [hook(2), hook(3)] == [6, 9]
    assert told == [prof] and len(logs) == 1 and "Unprintable: (its message could not be read)" in logs[0]


def test_a_stopped_spool_turns_every_profiler_off_and_later_ones_start_off(monkeypatch, capsys):
    p, host = _probe_with_fake_profilers(monkeypatch)
    p._spool_disabled()
    assert isinstance(p.writer, core._NullWriter)
    assert all(not prof.enabled for prof in p.profilers.values())
    e = host.Engine()
    assert e.other(1) == 2  # a disabled profiler's hook only calls vLLM's method
    late = types.ModuleType("profilemate_probe.targets.pm_late")
    late.TARGETS = []
    monkeypatch.setitem(sys.modules, late.__name__, late)
    monkeypatch.setattr(core, "PROFILER_MODULES", (("pm_late", ("ENABLE_CPU_TIMING",)),))
    p._load_profilers()
    assert p.profilers["pm_late"].enabled is False
    assert capsys.readouterr().err == ""  # the spool's own line says it; no line per profiler


def test_a_spool_that_cannot_be_opened_says_so_once_and_stops_the_hooks(monkeypatch, tmp_path, capsys):
    p, host = _probe_with_fake_profilers(monkeypatch)
    p.session_dir = str(tmp_path / "gone")  # no raw/ folder: the spool cannot be created
    p.writer = core._OnFirstRecord(p)
    host.Engine().other(1)  # the first record opens the spool
    assert all(not prof.enabled for prof in p.profilers.values())
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "profiling off: spool not opened" in lines[0]


def test_records_handed_over_while_a_stopped_writer_says_so_are_never_lost_uncounted(tmp_path, monkeypatch):
    """The writer's log line is I/O: vLLM's thread runs meanwhile and its hooks go on handing
    records over. They used to reach the stopped writer's queue after its count (lost, and not
    in the count); now the hooks are stopped first, and every record the writer was handed is
    either on disk or counted."""
    reached = [0]
    sink = {}

    def hand(n):
        for i in range(n):
            sink["out"](EVICT(i + 1, i, 0, 0, 0))

    def to_writer(data):
        reached[0] += 1
        w.out(data)

    said = []

    def on_failure(msg):
        said.append(msg)
        hand(5)  # vLLM's thread, while the line is written

    path = str(tmp_path / "s.pmspool")
    w = spool.SpoolWriter(path, {"clock": {"monotonic_ns": 1}}, on_failure=on_failure,
                          on_disabled=lambda: sink.__setitem__("out", lambda data: None))
    sink["out"] = to_writer
    hand(3)
    w.flush()
    monkeypatch.setattr(os, "pwrite", lambda *a: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left")))
    hand(4)
    w.flush()
    monkeypatch.undo()
    w.emit("kv_block_eviction", 9, 1, 0, 0, 0)  # a hook already past its check: counted too
    w.close()
    data = open(path, "rb").read()
    on_disk = sum(h[8] for h, _s, _e in spool_chunks(data)) - 1  # less the metadata record
    assert on_disk == 3 and len(said) == 1 and "4 records lost" in said[0]
    assert reached[0] + 1 == on_disk + w.dropped


def test_a_collector_that_dies_beside_vllm_is_said_once(monkeypatch, tmp_path):
    procs = []

    def fake_start(session_dir, log):
        procs.append(subprocess.Popen(["sleep", "60"]))
        return procs[-1]
    monkeypatch.setattr(sidecar, "start", fake_start)
    lines = []
    sidecar.start_async(str(tmp_path), lines.append)
    deadline = time.time() + 10
    while not procs and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert lines == []  # a running collector says nothing
    procs[0].send_signal(signal.SIGKILL)
    while not lines and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert len(lines) == 1
    assert "killed by SIGKILL" in lines[0] and "profilemate export %s" % tmp_path in lines[0]


@pytest.mark.parametrize("code, text", [(3, "exit status 3"), (-9, "killed by SIGKILL")])
def test_the_collectors_end_is_named(code, text):
    assert sidecar._ended(code) == text
