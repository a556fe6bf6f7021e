"""Spool segments and the session's disk budget (segments.py, retention.py, SPEC "Segments")."""
import json
import os
import time

from conftest import spool_chunks
from profilemate_probe import retention, spool
from profilemate_probe.segments import MIB, Segments


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _meta(pid=7):
    return {"format": "profilemate-spool", "pid": pid, "role": "engine_core", "rank": 0,
            "clock": {"monotonic_ns": 1_000_000_000, "wall_ns": 1}}


def _writer(raw, segments, clock=None, pid=7):
    return spool.SpoolWriter(None, _meta(pid), flush_every=10_000, segments=segments, clock=clock or Clock())


# the writer's own records: a loaded machine can make it write one (a queue that reached its bound
# leaves a records_lost record with the chunk's first time, lost 0), which is not a data record
_WRITERS_OWN = {spool.RECORDS[n].type_id for n in ("records_lost", "probe_losses", "clock_anchor")}


def _records(path):
    """(metadata, [t_ns of each data record]) of one segment."""
    data = open(path, "rb").read()
    meta, ts = None, []
    for header, start, end in spool_chunks(data):
        assert header[3] == spool.STATE_COMPLETE
        pos = start
        while pos < end:
            size, kind = spool.RECORD_HEADER.unpack_from(data, pos)
            body = pos + 6
            if kind == 0:
                meta = json.loads(data[body:body + size])
            elif kind not in _WRITERS_OWN:
                ts.append(int.from_bytes(data[body:body + 8], "little", signed=True))
            pos = body + size
    return meta, ts


def _index(raw):
    return [json.loads(l) for l in open(os.path.join(raw, "segments.jsonl"))]


def _step(w, t):
    w.emit("cpu_operation", t, 1000, "sampling", "x" * 200)


def test_a_segment_rotates_before_a_chunk_would_pass_its_size(tmp_path):
    raw = str(tmp_path)
    seg = Segments(raw, "engine_core-7", max_bytes=MIB, max_seconds=1e9, budget_bytes=0)
    w = _writer(raw, seg)
    t = 0
    for _ in range(100):
        for _ in range(100):
            t += 1
            _step(w, t)
        w.flush()
    w.close()
    names = sorted(n for n in os.listdir(raw) if n.endswith(".pmspool"))
    assert len(names) >= 2 and names[0] == "engine_core-7.0.pmspool"
    seen = []
    for n in range(len(names)):
        path = os.path.join(raw, "engine_core-7.%d.pmspool" % n)
        assert os.path.getsize(path) <= MIB
        meta, ts = _records(path)
        assert meta["segment"] == n and meta["pid"] == 7  # every segment reads alone
        seen += ts
    assert seen == list(range(1, t + 1))  # in order, none lost, none twice
    assert not [n for n in os.listdir(raw) if n.startswith(".")]  # no hidden first-chunk file left
    index = _index(raw)
    assert [e["segment"] for e in index] == list(range(len(names)))
    assert [e["final"] for e in index] == [False] * (len(names) - 1) + [True]
    assert sum(e["records"] for e in index) == t
    assert index[0]["first_t_ns"] == 1 and index[-1]["last_t_ns"] == t


def test_every_later_segment_opens_with_the_state_records_written_so_far(tmp_path):
    """scheduler_limits goes out once; a segment read without its predecessors (dropped by the
    budget, or alone in a triggered capture) must still carry it: KV usage is read against it."""
    raw = str(tmp_path)
    seg = Segments(raw, "engine_core-7", max_bytes=MIB, max_seconds=1e9, budget_bytes=0)
    w = _writer(raw, seg)
    w.emit("scheduler_limits", 5, 64, 2048, 1000)
    w.emit("engine_config_v2", 6, json.dumps({"block_size": 16}))
    t = 10
    for _ in range(100):
        for _ in range(100):
            t += 1
            _step(w, t)
        w.flush()
    w.close()
    n = len([x for x in os.listdir(raw) if x.endswith(".pmspool")])
    assert n >= 2
    meta0, ts0 = _records(os.path.join(raw, "engine_core-7.0.pmspool"))
    assert "carried" not in meta0 and ts0[:3] == [5, 6, 11]  # the originals, once
    for k in range(1, n):
        meta, ts = _records(os.path.join(raw, "engine_core-7.%d.pmspool" % k))
        assert meta["carried"] == 2 and ts[:2] == [5, 6]  # the copies, with their own times, first
        assert ts[2] > 11
    # the index counts data records only: the copies are not records of the segment's own
    assert sum(e["records"] for e in _index(raw)) == t - 10 + 2


def test_a_segment_rotates_after_its_time_but_never_empty(tmp_path):
    raw = str(tmp_path)
    clock = Clock()
    w = _writer(raw, Segments(raw, "engine_core-7", max_bytes=64 * MIB, max_seconds=600, budget_bytes=0), clock)
    _step(w, 1)
    w.flush()
    clock.now = 599
    _step(w, 2)
    w.flush()  # not yet ten minutes
    clock.now = 601
    _step(w, 3)
    w.flush()  # segment 0 is ten minutes old: record 3 opens segment 1
    clock.now = 5000
    w.flush()  # nothing to write: no segment of metadata alone
    w.close()
    names = sorted(n for n in os.listdir(raw) if n.endswith(".pmspool"))
    assert names == ["engine_core-7.0.pmspool", "engine_core-7.1.pmspool"]
    assert _records(os.path.join(raw, names[0]))[1] == [1, 2]
    assert _records(os.path.join(raw, names[1]))[1] == [3]


def test_the_budget_drops_the_oldest_closed_segments_and_says_each_in_the_index(tmp_path):
    raw = str(tmp_path)
    budget = 16 * MIB
    a = _writer(raw, Segments(raw, "engine_core-7", max_bytes=MIB, budget_bytes=budget), pid=7)
    b = _writer(raw, Segments(raw, "worker-8", max_bytes=MIB, budget_bytes=budget), pid=8)
    t = 0
    peak = 0
    for _ in range(600):
        for w in (a, b):
            for _ in range(100):
                t += 1
                _step(w, t)
            w.flush()
        used = sum(os.path.getsize(os.path.join(raw, n)) for n in os.listdir(raw) if n.endswith(".pmspool"))
        peak = max(peak, used)
    a.close()
    b.close()
    assert peak <= budget
    index = _index(raw)
    dropped = [e for e in index if e["event"] == "dropped"]
    closed = [e for e in index if e["event"] == "closed"]
    assert dropped and all(not os.path.exists(os.path.join(raw, e["file"])) for e in dropped)
    kept = [e for e in closed if e["file"] not in {d["file"] for d in dropped}]
    assert all(os.path.exists(os.path.join(raw, e["file"])) for e in kept)
    # oldest first: every dropped segment is older than every kept one
    assert max(d["first_t_ns"] for d in dropped) < min(k["first_t_ns"] for k in kept)
    # a drop says exactly what went: its records, times and bytes
    for d in dropped:
        c = next(e for e in closed if e["file"] == d["file"])
        assert (d["records"], d["first_t_ns"], d["last_t_ns"]) == (c["records"], c["first_t_ns"], c["last_t_ns"])
        assert d["bytes"] == c["bytes"] and d["budget_bytes"] == budget
    assert sum(e["records"] for e in closed) == t


def test_a_zero_budget_keeps_everything(tmp_path):
    raw = str(tmp_path)
    w = _writer(raw, Segments(raw, "engine_core-7", max_bytes=MIB, budget_bytes=0))
    for i in range(20):
        for j in range(100):
            _step(w, i * 100 + j)
        w.flush()
    w.close()
    assert not [e for e in _index(raw) if e["event"] == "dropped"]


def test_a_reader_never_sees_a_segment_before_its_first_chunk_is_whole(tmp_path, monkeypatch):
    """The first chunk is written to a hidden temp name and renamed in: a collector listing raw/
    during a rotation finds the old segment whole and the new one whole or absent."""
    raw = str(tmp_path)
    seen = []
    real_rename = os.rename

    def rename(src, dst):
        seen.append(sorted(os.listdir(raw)))
        assert not os.path.basename(src).endswith(".pmspool")
        real_rename(src, dst)
    monkeypatch.setattr(os, "rename", rename)
    w = _writer(raw, Segments(raw, "engine_core-7", max_bytes=MIB, budget_bytes=0))
    for i in range(100):
        for j in range(100):
            _step(w, i * 100 + j)
        w.flush()
    w.close()
    assert len(seen) >= 2
    for listing in seen:
        spools = [n for n in listing if n.endswith(".pmspool")]
        for n in spools:  # every visible segment but the open one is closed in the index already
            _records(os.path.join(raw, n)) if os.path.exists(os.path.join(raw, n)) else None


def test_an_index_that_cannot_be_written_turns_the_writer_off_with_one_line(tmp_path, monkeypatch):
    raw = str(tmp_path)
    lines = []
    w = spool.SpoolWriter(None, _meta(), flush_every=10_000, on_failure=lines.append,
                          segments=Segments(raw, "engine_core-7", max_bytes=MIB, budget_bytes=0), clock=Clock())

    def broken(raw_dir):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(retention, "open_index", broken)
    for i in range(100):
        for j in range(100):
            _step(w, i * 100 + j)
        w.flush()
    w.close()
    assert not w.enabled
    assert len(lines) == 1 and "No space left" in lines[0] and "records lost" in lines[0]
    kept = len(_records(os.path.join(raw, "engine_core-7.0.pmspool"))[1])
    assert kept + w.dropped == 10000  # every record handed over is on disk or counted


def test_the_configured_segment_size_leaves_the_budget_room_for_16_segments():
    seg = Segments.from_config("/r", "x-1", {"MAX_DISK_MB": 1024, "SEGMENT_MB": 64, "SEGMENT_MINUTES": 10})
    assert (seg.max_bytes, seg.max_seconds, seg.budget_bytes) == (64 * MIB, 600.0, 1024 * MIB)
    assert Segments.from_config("/r", "x-1", {"MAX_DISK_MB": 100, "SEGMENT_MB": 64}).max_bytes == 100 * MIB // 16
    assert Segments.from_config("/r", "x-1", {"MAX_DISK_MB": 4, "SEGMENT_MB": 64}).max_bytes == MIB
    assert Segments.from_config("/r", "x-1", {"MAX_DISK_MB": 0, "SEGMENT_MB": 64}).max_bytes == 64 * MIB


def test_the_budget_and_segments_are_set_by_vllm_profiling_variables():
    from profilemate_probe import config
    c = config.load(environ={"VLLM_PROFILING_MAX_DISK_MB": "2048", "VLLM_PROFILING_SEGMENT_MB": "32",
                             "VLLM_PROFILING_SEGMENT_MINUTES": "5"})
    assert (c.MAX_DISK_MB, c.SEGMENT_MB, c.SEGMENT_MINUTES) == (2048, 32, 5)
    assert config.load(environ={"VLLM_PROFILING_MAX_DISK_MB": "0"}).MAX_DISK_MB == 0  # no budget
    assert config.load(environ={}).MAX_DISK_MB == 1024


def test_exports_while_the_probe_rotates_and_drops_are_consistent(tmp_path):
    """`profilemate collect` re-exports while the writer rotates segments and the budget deletes
    them: no export sees damage (exit 0, never 3), and at the end every record handed to the
    writer is either in the export or in a stated budget drop."""
    import subprocess
    import threading
    from conftest import REPO
    session = tmp_path / "session_live"
    raw = session / "raw"
    raw.mkdir(parents=True)
    meta = dict(_meta(), host="h", python="3", profilers=[], config={})
    meta["clock"] = {"monotonic_ns": 0, "wall_ns": 1_764_400_000_000_000_000}
    w = spool.SpoolWriter(None, meta, flush_every=50, min_interval=0.001,
                          segments=Segments(str(raw), "engine_core-7", max_bytes=16384, budget_bytes=160 * 1024)).start()
    stop = threading.Event()
    emitted = [0]

    def feed():
        while not stop.is_set():
            for _ in range(20):
                emitted[0] += 1
                w.emit("cpu_operation", emitted[0], 1000, "sampling", "live")
            stop.wait(0.004)  # ~5k records/s: a segment lasts ~0.1 s, the budget holds ~1 s
    feeder = threading.Thread(target=feed)
    feeder.start()
    while not [n for n in os.listdir(raw) if n.endswith(".pmspool")]:
        time.sleep(0.01)
    cli = os.path.join(REPO, "profilemate")
    try:
        for _ in range(5):
            r = subprocess.run([cli, "export", str(session), "--out", str(tmp_path / "out"), "--quiet"],
                               capture_output=True, text=True, timeout=600)
            assert r.returncode == 0, r.stderr
    finally:
        stop.set()
        feeder.join()
        w.close()
    assert w.dropped == 0
    r = subprocess.run([cli, "export", str(session), "--out", str(tmp_path / "out"), "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    m = json.load(open(tmp_path / "out" / "metadata.json"))
    dropped = [e for e in _index(str(raw)) if e["event"] == "dropped"]
    assert dropped, "the budget never had to drop: the test proves nothing"
    stated = 0
    for warning in m["warnings"]:
        assert "dropped by the disk budget" in warning, m["warnings"]
        stated += int(warning.split(": ")[1].split(" records")[0])
    assert stated == sum(e["records"] for e in dropped)
    assert m["session"]["records"] + stated == emitted[0]
