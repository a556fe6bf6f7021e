"""The writer side of the spool format (the engine's tests read the same bytes)."""
import errno
import filecmp
import os
import subprocess
import sys

from conftest import REPO
from profilemate_probe import spool


def test_fixture_script_reproduces_the_committed_bytes(tmp_path):
    subprocess.run([sys.executable, os.path.join(REPO, "spool-format", "make_fixtures.py"), str(tmp_path)], check=True)
    committed = os.path.join(REPO, "spool-format", "fixtures")
    for name in ("normal.pmspool", "truncated.pmspool", "unknown_type.pmspool", "expected.json",
                 "two_processes/api_server-201.pmspool", "two_processes/engine_core-202.pmspool"):
        assert filecmp.cmp(os.path.join(committed, name), os.path.join(tmp_path, name), shallow=False), name


def test_every_declared_record_packs_and_round_trips_its_size():
    for rec in spool.RECORDS.values():
        values = []
        for f in rec.fields:
            values.append(0)
        nfixed = len(rec.fields) - rec._nstr
        values = values[:nfixed] + ["x"] * rec._nstr
        data = rec.pack(values)
        size, type_id = spool.RECORD_HEADER.unpack_from(data)
        assert type_id == rec.type_id and size == len(data) - spool.RECORD_HEADER.size


def test_full_disk_turns_the_writer_off_without_raising(tmp_path, monkeypatch):
    failures = []
    w = spool.SpoolWriter(str(tmp_path / "x.pmspool"), {"clock": {"monotonic_ns": 1}}, on_failure=failures.append)

    def no_space(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", no_space)
    w.emit("cpu_operation", 5, 1, "scheduling", "")
    w.flush()
    assert w.enabled is False
    assert len(failures) == 1 and "No space left" in failures[0]
    w.emit("cpu_operation", 6, 1, "scheduling", "")  # no raise, no buffering
    monkeypatch.undo()
    w.close()


def test_buffer_is_bounded_and_counts_drops(tmp_path):
    w = spool.SpoolWriter(str(tmp_path / "b.pmspool"), {"clock": {"monotonic_ns": 1}}, flush_every=10**9,
                          max_buffer_bytes=4096)
    for i in range(3000):
        w.emit("cpu_operation", i, 1, "scheduling", "")
    assert w.dropped == 3000 - 1024 + 1  # the queue holds 1024 records, the metadata record included
    w.close()


def test_spool_file_is_private_and_never_follows_a_symlink(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("")
    link = tmp_path / "s.pmspool"
    link.symlink_to(target)
    try:
        spool.SpoolWriter(str(link), {"clock": {"monotonic_ns": 1}})
        raise AssertionError("followed a symlink")
    except OSError:
        pass
    w = spool.SpoolWriter(str(tmp_path / "p.pmspool"), {"clock": {"monotonic_ns": 1}})
    w.close()
    assert os.stat(tmp_path / "p.pmspool").st_mode & 0o777 == 0o600


def test_rows_pack_as_the_same_records_one_by_one(tmp_path):
    """emit_rows() (the batched KV evictions) writes exactly the bytes of one emit() per row,
    across the writer's batch boundary, and counts every row in the chunk header."""
    n = 150
    bids = list(range(n))
    life = [1000 + i for i in range(n)]
    idle = [i * 7 for i in range(n)]
    paths = []
    for batched in (True, False):
        path = str(tmp_path / ("rows.pmspool" if batched else "one.pmspool"))
        w = spool.SpoolWriter(path, {"clock": {"monotonic_ns": 1}})
        if batched:
            w.emit_rows("kv_block_eviction", 42, bids, life, idle)
        else:
            for i in range(n):
                w.emit("kv_block_eviction", 42, bids[i], life[i], idle[i])
        w.close()
        paths.append(path)
    assert filecmp.cmp(paths[0], paths[1], shallow=False)
    with open(paths[0], "rb") as f:
        header = spool.CHUNK_HEADER.unpack_from(f.read(spool.CHUNK_HEADER.size))
    assert header[8] == n + 1  # the rows and the metadata record


def test_deferred_work_writes_in_queue_order_and_a_bad_one_is_reported_once(tmp_path):
    """put()/defer() hand work to the writer thread: it runs there in queue order, among plain
    records, and the records it returns are written as emit() would; a failing one loses only
    itself, with one failure line."""
    failures = []
    seen = []

    def make(t, op):
        seen.append(t)
        return (("cpu_operation", (t, 1, op, "")),)

    def broken(t):
        raise ValueError("planted")

    paths = []
    for deferred in (True, False):
        path = str(tmp_path / ("d.pmspool" if deferred else "e.pmspool"))
        w = spool.SpoolWriter(path, {"clock": {"monotonic_ns": 1}}, on_failure=failures.append)
        w.emit("cpu_operation", 1, 1, "scheduling", "")
        if deferred:
            w.put((make, 2, "sampling"))
            w.defer(broken, 3)
            w.defer(broken, 4)
            w.defer(make, 5, "output_processing")
        else:
            w.emit("cpu_operation", 2, 1, "sampling", "")
            w.emit("cpu_operation", 5, 1, "output_processing", "")
        w.emit("cpu_operation", 6, 1, "scheduling", "")
        w.close()
        paths.append(path)
    assert seen == [2, 5]
    assert filecmp.cmp(paths[0], paths[1], shallow=False)
    assert len(failures) == 1 and "planted" in failures[0] and "broken" in failures[0]


def test_put_work_is_drained_when_the_writer_is_off(tmp_path, monkeypatch):
    w = spool.SpoolWriter(str(tmp_path / "o.pmspool"), {"clock": {"monotonic_ns": 1}}, on_failure=lambda m: None)
    monkeypatch.setattr(os, "pwrite", lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    w.flush()
    assert w.enabled is False
    for i in range(100):
        w.put((lambda: None,))  # hooks keep putting: nothing may pile up
    w.flush()
    assert len(w._q) == 0
    monkeypatch.undo()
    w.close()


def test_rows_with_a_time_per_row_pack_as_single_records(tmp_path):
    n = 70  # across the writer's batch of 64
    times = [100 + 3 * i for i in range(n)]
    cols = (list(range(n)), [i * 11 for i in range(n)], [i * 5 for i in range(n)])
    paths = []
    for batched in (True, False):
        path = str(tmp_path / ("t.pmspool" if batched else "u.pmspool"))
        w = spool.SpoolWriter(path, {"clock": {"monotonic_ns": 1}})
        if batched:
            w.emit_rows("kv_block_eviction", times, *cols)
        else:
            for i in range(n):
                w.emit("kv_block_eviction", times[i], cols[0][i], cols[1][i], cols[2][i])
        w.close()
        paths.append(path)
    assert filecmp.cmp(paths[0], paths[1], shallow=False)
