"""The probe's memory stays bounded however long the server runs (issue 23, item 1)."""
import types

from profilemate_probe import spool
from profilemate_probe.targets import _state, scheduler


class _Prof:
    enabled = True

    def __init__(self):
        self.records = []
        self.out = self.records.append

    def fail(self, where, exc):
        raise AssertionError((where, exc))


def test_requests_that_never_finish_cost_a_bounded_state_and_are_counted(monkeypatch, tmp_path):
    monkeypatch.setattr(_state, "MAX_REQUESTS", 4)
    monkeypatch.setattr(_state, "LIVE", {})
    monkeypatch.setattr(spool, "_forgotten_elsewhere", [0])
    prof = _Prof()
    add = scheduler._add_request(lambda self, request: None, prof)
    for i in range(10):  # none ever reaches _free_request
        add(None, types.SimpleNamespace(request_id="req-%d" % i, num_prompt_tokens=5))
    assert list(_state.LIVE) == ["req-6", "req-7", "req-8", "req-9"]  # the newest four, oldest gone first
    assert len(prof.records) == 10  # every arrival still written
    # the count reaches the session: the next chunk's probe_losses says it
    path = str(tmp_path / "s.pmspool")
    w = spool.SpoolWriter(path, {"clock": {"monotonic_ns": 1}})
    w.emit("cpu_operation", 2, 1, "scheduling", "")
    w.close()
    rec = spool.RECORDS["probe_losses"]
    data = open(path, "rb").read()
    i = data.index(rec.type_id.to_bytes(2, "little") + (2).to_bytes(8, "little"), 32) - 4
    assert rec._fixed.unpack_from(data, i + 6) == (2, 0, 0, 6)


def test_the_writer_queue_and_its_buffer_are_bounded(tmp_path):
    w = spool.SpoolWriter(str(tmp_path / "s.pmspool"), {"clock": {"monotonic_ns": 1}}, max_buffer_bytes=1 << 16)
    evict = spool.packer("kv_block_eviction")
    for i in range(100_000):  # the writer thread never runs: a stalled disk
        w.out(evict(i, 0, 1, 0, 0))
    assert len(w._q) == w._max_records == 1024
    w.close()


def test_the_export_says_how_many_requests_the_probe_forgot(tmp_path, monkeypatch):
    import json
    import os
    import subprocess
    from conftest import REPO
    monkeypatch.setattr(spool, "_forgotten_elsewhere", [0])
    raw = tmp_path / "session_forgot" / "raw"
    raw.mkdir(parents=True)
    meta = {"pid": 5, "role": "engine_core", "rank": 0, "host": "h",
            "clock": {"monotonic_ns": 0, "wall_ns": 1_764_400_000_000_000_000}}
    w = spool.SpoolWriter(str(raw / "engine_core-5.pmspool"), meta)
    spool.note_forgotten(3)
    w.emit("cpu_operation", 2, 1, "scheduling", "")
    w.close()
    r = subprocess.run([os.path.join(REPO, "profilemate"), "export", str(tmp_path / "session_forgot"), "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    warnings = json.load(open(tmp_path / "session_forgot" / "metadata.json"))["warnings"]
    assert warnings == ["engine_core-5.pmspool: the probe dropped the state of 3 requests to keep its memory bounded "
                        "(more requests in flight than its cap, e.g. requests that never finished): their later "
                        "request events may be missing from request_lifecycle.csv"]
