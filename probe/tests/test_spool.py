"""The writer side of the spool format (the engine's tests read the same bytes)."""
import errno
import filecmp
import json
import os
import struct
import subprocess
import sys
import time

import pytest

from conftest import REPO, spool_chunks
from profilemate_probe import spool
from profilemate_probe.targets.scheduler import _id_tail


def test_fixture_script_reproduces_the_committed_bytes(tmp_path):
    subprocess.run([sys.executable, os.path.join(REPO, "spool-format", "make_fixtures.py"), str(tmp_path)], check=True)
    committed = os.path.join(REPO, "spool-format", "fixtures")
    for name in ("normal.pmspool", "truncated.pmspool", "unknown_type.pmspool", "expected.json",
                 "two_processes/api_server-201.pmspool", "two_processes/engine_core-202.pmspool",
                 "session_chunked/raw/engine_core-301.pmspool", "session_chunked/raw/worker-302.pmspool",
                 "session_rotated/raw/engine_core-301.0.pmspool", "session_rotated/raw/worker-302.2.pmspool",
                 "session_rotated/raw/segments.jsonl", "session_budget/raw/segments.jsonl",
                 "session_budget/raw/engine_core-301.1.pmspool", "session_traced/raw/engine_core-401.pmspool",
                 "session_traced_chunked/raw/engine_core-401.pmspool", "session_tp_moe/raw/worker-601.pmspool",
                 "session_tp_moe/raw/worker-604.pmspool", "session_two_nodes/raw/worker-502.pmspool",
                 "session_two_nodes_chunked/raw/worker-502.pmspool", "session_eplb/raw/worker-701.pmspool"):
        assert filecmp.cmp(os.path.join(committed, name), os.path.join(tmp_path, name), shallow=False), name


def test_every_declared_record_packs_and_round_trips_its_size():
    sample = {"str": "x", "text": "y" * 70_000, "i32s": [1, -2, 3], "i64s": [1 << 40, 5]}
    for rec in spool.RECORDS.values():
        values = [sample.get(k, 0) for k in rec.kinds]
        data = rec.pack(values)
        size, type_id = spool.RECORD_HEADER.unpack_from(data)
        assert type_id == rec.type_id and size == len(data) - spool.RECORD_HEADER.size


def test_variable_fields_have_no_16_bit_limit_and_arrays_take_raw_bytes():
    """text and arrays carry a u32 length: a 512-expert co-selection window or a large engine
    config is written whole (the u16 str of spool minor 3 cut them at 65,535 bytes)."""
    import array
    rec = spool.RECORDS["moe_expert_pairs_v2"]
    keys = list(range(0, 512 * 512, 3))          # 87,382 pairs: 349,528 bytes of keys
    raw = array.array("q", [7] * len(keys)).tobytes()
    data = rec.pack((1, 4, 512, keys, raw))
    body = data[spool.RECORD_HEADER.size + 16:]
    n = struct.unpack_from("<I", body)[0]
    assert n == len(keys)
    assert list(struct.unpack_from("<%di" % n, body, 4)) == keys
    m = struct.unpack_from("<I", body, 4 + 4 * n)[0]
    assert m == n and body[8 + 4 * n:] == raw
    with pytest.raises(ValueError):
        rec.pack((1, 4, 512, keys, raw[:-1]))   # not whole elements: the record is refused, not cut
    text = spool.RECORDS["engine_config_v2"].pack((1, "z" * 100_000))
    assert struct.unpack_from("<I", text, spool.RECORD_HEADER.size + 8)[0] == 100_000


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
    assert w.dropped == 3000 - 1024  # the queue holds 1024 records (the metadata record waits outside it)
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


def test_packed_records_are_the_bytes_emit_writes_and_keep_their_order(tmp_path):
    """out(packer(...)(...)) (the hot hooks) writes exactly what emit() writes for the same
    record, and records made either way stay in the order they were made."""
    evict = spool.packer("kv_block_eviction")
    paths = []
    for packed in (True, False):
        path = str(tmp_path / ("packed.pmspool" if packed else "emitted.pmspool"))
        w = spool.SpoolWriter(path, {"clock": {"monotonic_ns": 1}})
        for i in range(150):
            if packed:
                w.out(evict(42 + i, i, 1000 + i, 7 * i, 0))
            else:
                w.emit("kv_block_eviction", 42 + i, i, 1000 + i, 7 * i, 0)
            if i % 50 == 0:
                w.emit("cpu_operation", 42 + i, 1, "scheduling", "")
        w.close()
        paths.append(path)
    assert filecmp.cmp(paths[0], paths[1], shallow=False)
    with open(paths[0], "rb") as f:
        header = spool.CHUNK_HEADER.unpack_from(f.read(spool.CHUNK_HEADER.size))
    assert header[8] == 150 + 3 + 1  # the records and the metadata record


def test_string_records_packed_from_encoded_strings_are_the_bytes_emit_writes(tmp_path):
    """A request event packed on the hook's thread (its id encoded once, by the scheduler hook's
    own encoder) is byte for byte the record emit() packs on the spool thread, non-ASCII and
    over-long ids included."""
    from profilemate_probe.targets.scheduler import _id_tail, _with_reason
    rec = spool.StringRecord("request_event")
    paths = []
    ids = ["req-1", "r\u00e9q-\u4e2d", "x" * 70000, ""]
    for packed in (True, False):
        path = str(tmp_path / ("packed.pmspool" if packed else "emitted.pmspool"))
        w = spool.SpoolWriter(path, {"clock": {"monotonic_ns": 1}})
        for i, rid in enumerate(ids):
            reason = "stop" if i % 2 else ""
            if packed:
                tail = _with_reason(_id_tail(rid), reason) if reason else _id_tail(rid)
                assert tail == spool.encode_strings(rid, reason)
                w.out(rec.head(rec.fixed_size + len(tail), rec.type_id, 10 + i, 5, 100 + i, i, 7) + tail)
            else:
                w.emit("request_event", 10 + i, 5, 100 + i, i, 7, rid, reason)
        w.close()
        paths.append(path)
    assert filecmp.cmp(paths[0], paths[1], shallow=False)
    # and against the layout spelled out: u32 body size, u16 type, fixed fields, then each
    # string as u16 byte length + UTF-8, cut at 65,535 bytes
    tail = spool.encode_strings("r\u00e9", "stop")
    assert tail == b"\x03\x00r\xc3\xa9\x04\x00stop"
    assert spool.encode_strings("x" * 70000)[:2] == (65535).to_bytes(2, "little")
    assert (rec.head(rec.fixed_size + len(tail), rec.type_id, 7, 5, 1, 2, 3) + tail
            == struct.pack("<IHqBiii", 21 + len(tail), 12, 7, 5, 1, 2, 3) + tail)
    try:
        spool.StringRecord("kv_block_eviction")
        raise AssertionError("a string record without strings")
    except ValueError:
        pass


def test_a_packer_refuses_records_with_strings():
    try:
        spool.packer("request_event")
        raise AssertionError("packed a record with strings")
    except ValueError:
        pass


def test_a_full_queue_drops_the_oldest_packed_records_and_says_so(tmp_path):
    said = []
    w = spool.SpoolWriter(str(tmp_path / "f.pmspool"), {"clock": {"monotonic_ns": 1}}, max_buffer_bytes=4096,
                          on_failure=said.append)
    evict = spool.packer("kv_block_eviction")
    for i in range(3000):
        w.out(evict(i, i, 0, 0, 0))
    assert len(w._q) == 1024
    w.close()
    assert len(said) == 1 and "oldest records dropped" in said[0]


def test_a_full_queue_keeps_the_metadata_record_first_and_every_record_whole_and_in_order(tmp_path):
    """When packed records push older ones out of the full queue, the spool still starts with
    its metadata record (the reader rejects a spool without one), and what is written is the
    newest records, in order, each with its own values."""
    path = str(tmp_path / "o.pmspool")
    w = spool.SpoolWriter(path, {"clock": {"monotonic_ns": 1}}, max_buffer_bytes=4096, on_failure=lambda m: None)
    evict = spool.packer("kv_block_eviction")
    for i in range(2000):
        if i % 10 == 0:
            w.emit("cpu_operation", i, 1, "scheduling", "i=%d" % i)
        else:
            w.out(evict(i, i, 0, 0, 0))
    w.close()
    with open(path, "rb") as f:
        data = f.read()
    first = spool.RECORD_HEADER.unpack_from(data, spool.CHUNK_HEADER.size)
    assert first[1] == spool.METADATA_TYPE
    recs = _read_records(path)
    assert recs[0][:2] == ("records_lost", 2000 - 1024)   # before the first record that is left
    ts = [r[1] for r in recs[1:]]
    assert ts == list(range(2000 - 1024, 2000))
    assert all(r[2] == "i=%d" % r[1] for r in recs if r[0] == "cpu_operation")


def test_a_session_whose_probe_lost_records_says_so_in_its_metadata(tmp_path):
    """The log line is not enough: a session read later must show that its files under-count."""
    raw = tmp_path / "session_lost" / "raw"
    raw.mkdir(parents=True)
    path = str(raw / "engine_core-7.pmspool")
    meta = {"pid": 7, "role": "engine_core", "rank": 0, "host": "h",
            "clock": {"monotonic_ns": 0, "wall_ns": 1_764_400_000_000_000_000}}
    w = spool.SpoolWriter(path, meta, max_buffer_bytes=4096, on_failure=lambda m: None)
    evict = spool.packer("kv_block_eviction")
    for i in range(2000):
        t = 1_000_000_000 + i * 1000
        if i % 10 == 0:
            w.emit("cpu_operation", t, 1, "scheduling", "")
        else:
            w.out(evict(t, i, 0, 0, 0))
    w.flush()
    w.emit("cpu_operation", 3_000_000_000, 1, "scheduling", "")   # a chunk after it: no new report
    w.close()
    lost = [r for r in _read_fields(path) if r[0] == "records_lost"]
    # emit() counts what it pushes out (the 97 emits after the queue filled); out() cannot
    assert lost == [("records_lost", 1_000_000_000 + 976 * 1000, 97, 1)]
    r = subprocess.run([os.path.join(REPO, "profilemate"), "export", str(tmp_path / "session_lost"), "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "session_lost" / "metadata.json") as f:
        warnings = json.load(f)["warnings"]
    assert warnings == ["engine_core-7.pmspool: the probe's record queue was full 1 time, first at 1.000976 s;"
                        " at least 97 records lost: the session's files may under-count from there"], warnings


def _read_fields(path):
    """(record name, *fixed fields) of every record after the metadata one."""
    return [(rec.name,) + rec._fixed.unpack_from(body) for rec, body in _spool_records(path)]


def test_a_writer_that_turns_itself_off_tells_its_owner(tmp_path, monkeypatch):
    told = []
    w = spool.SpoolWriter(str(tmp_path / "d.pmspool"), {"clock": {"monotonic_ns": 1}}, on_failure=lambda m: None,
                          on_disabled=lambda: told.append(1))
    monkeypatch.setattr(os, "pwrite", lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    w.out(spool.packer("kv_block_eviction")(1, 2, 3, 4, 5))
    w.flush()
    monkeypatch.undo()
    assert told == [1] and w.enabled is False and len(w._q) == 0
    w.close()


def _spool_records(path):
    """(record type, its bytes) of every record after the metadata one."""
    names = {rec.type_id: rec for rec in spool.RECORDS.values()}
    with open(path, "rb") as f:
        data = f.read()
    for _header, pos, end in spool_chunks(data):
        while pos < end:
            size, type_id = spool.RECORD_HEADER.unpack_from(data, pos)
            body = data[pos + spool.RECORD_HEADER.size:pos + spool.RECORD_HEADER.size + size]
            pos += spool.RECORD_HEADER.size + size
            if type_id != spool.METADATA_TYPE:
                yield names[type_id], body


def _read_records(path):
    """(record name, t_ns, last string field or None) of every record after the metadata one."""
    out = []
    for rec, body in _spool_records(path):
        last = None
        if rec._nstr:
            at = rec._fixed.size
            for _ in range(rec._nstr):
                n = int.from_bytes(body[at:at + 2], "little")
                last = body[at + 2:at + 2 + n].decode()
                at += 2 + n
        out.append((rec.name, int.from_bytes(body[:8], "little", signed=True), last))
    return out


def test_a_malformed_emitted_record_is_lost_alone_and_said_once(tmp_path):
    """A probe bug (a record with the wrong fields) costs that record only: the packed and
    emitted records around it are written whole and in order, and the owner hears of it once."""
    evict = spool.packer("kv_block_eviction")
    said = []
    path = str(tmp_path / "s.pmspool")
    w = spool.SpoolWriter(path, {"clock": {"monotonic_ns": 1}}, on_failure=said.append)
    w.out(evict(1, 0, 10, 0, 0))
    w.emit("kv_block_eviction", 2, 1, 11)  # one field short
    w.emit("kv_block_eviction", 3, 2, 12, 0, 0)
    w.emit("cpu_operation", 4, 1, "scheduling", 7)  # a number where a string goes
    w.out(evict(5, 3, 13, 0, 0))
    w.close()
    data = open(path, "rb").read()
    header, start, end = next(spool_chunks(data))
    assert header[8] == 1 + 1 + 3  # the metadata record, probe_losses (2 unpackable), the three good ones
    assert [r for r in _read_fields(path) if r[0] == "probe_losses"] == [("probe_losses", 1, 0, 2, 0)]
    good = [evict(1, 0, 10, 0, 0), evict(3, 2, 12, 0, 0), evict(5, 3, 13, 0, 0)]
    assert data[end - sum(map(len, good)):end] == b"".join(good)
    assert w.malformed == 2 and len(said) == 1 and "not written" in said[0]


def test_records_beyond_the_bound_between_two_writes_are_counted_exactly(tmp_path):
    """The writer's thread takes the queue empty often and keeps the bound itself: records
    packed on the hook's thread that go for want of room are counted, one by one, and the
    records_lost record says so without the "more may be" flag."""
    raw = tmp_path / "session_exact" / "raw"
    raw.mkdir(parents=True)
    path = str(raw / "engine_core-9.pmspool")
    meta = {"pid": 9, "role": "engine_core", "rank": 0, "host": "h",
            "clock": {"monotonic_ns": 0, "wall_ns": 1_764_400_000_000_000_000}}
    # no write before close (flush_every and flush_seconds out of reach): all but the newest
    # 16,384 records must go, and be counted
    w = spool.SpoolWriter(path, meta, flush_every=10**9, flush_seconds=3600,
                          max_buffer_bytes=1 << 20, on_failure=lambda m: None).start()
    evict = spool.packer("kv_block_eviction")
    made = 60_000
    for i in range(made):
        w.out(evict(i, i, 0, 0, 0))
        if i % 500 == 499:
            time.sleep(0.01)  # a busy server's pace: far under a queue's worth per gather
    w.close()
    recs = _read_fields(path)
    lost = [r for r in recs if r[0] == "records_lost"]
    written = [r for r in recs if r[0] == "kv_block_eviction"]
    assert len(written) == 16384
    assert lost == [("records_lost", written[0][1], made - 16384, 0)]
    assert [r[1] for r in written] == list(range(made - 16384, made))
    r = subprocess.run([os.path.join(REPO, "profilemate"), "export", str(tmp_path / "session_exact"), "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    warnings = json.load(open(tmp_path / "session_exact" / "metadata.json"))["warnings"]
    assert len(warnings) == 1 and "; %d records lost: the session's files under-count" % (made - 16384) in warnings[0]


def test_a_short_write_cuts_the_file_back_counts_the_chunk_lost_and_turns_the_writer_off(tmp_path, monkeypatch):
    said, told = [], []
    path = str(tmp_path / "s.pmspool")
    w = spool.SpoolWriter(path, {"clock": {"monotonic_ns": 1}}, on_failure=said.append,
                          on_disabled=lambda: told.append(1))
    evict = spool.packer("kv_block_eviction")
    w.out(evict(1, 0, 0, 0, 0))
    w.flush()
    good = os.path.getsize(path)
    for i in range(37):
        w.out(evict(2 + i, i, 0, 0, 0))
    real = os.pwrite
    # a disk that fills mid-chunk: the first 40 bytes land, pwrite says so and no more
    monkeypatch.setattr(os, "pwrite", lambda fd, data, off: real(fd, data[:40], off))
    w.flush()
    monkeypatch.undo()
    assert os.path.getsize(path) == good  # no torn chunk, no hole: the file ends at its last whole chunk
    assert w.enabled is False and told == [1]
    assert w.dropped == 37
    assert len(said) == 1 and "short write, 40 of" in said[0] and "37 records lost" in said[0]
    w.out(evict(99, 0, 0, 0, 0))
    w.close()
    assert os.path.getsize(path) == good
    chunks = list(spool_chunks(open(path, "rb").read()))
    assert len(chunks) == 1 and chunks[0][0][3] == spool.STATE_COMPLETE


def test_a_string_over_the_format_limit_is_counted_and_said_once(tmp_path):
    said = []
    w = spool.SpoolWriter(str(tmp_path / "l.pmspool"), {"clock": {"monotonic_ns": 1}}, on_failure=said.append)
    w.emit("engine_config", 1, "{" + "x" * 70000 + "}")
    w.emit("cpu_operation", 2, 1, "scheduling", "\u4e2d" * 20000)  # 60,000 bytes: fits
    w.emit("cpu_operation", 3, 1, "scheduling", "\u4e2d" * 30000)  # 90,000 bytes: cut
    w.close()
    assert w.truncated == 2
    assert len(said) == 1 and "engine_config" in said[0] and "70002 bytes" in said[0]


def test_cut_values_and_unpackable_records_are_counted_in_the_session_and_said(tmp_path):
    """A cut string (emitted, or a request id a hook encoded itself) and a record the probe could
    not pack are losses too: each is counted in a probe_losses record in the next chunk, so a
    session read later says how many, not only the probe's log."""
    raw = tmp_path / "session_cut" / "raw"
    raw.mkdir(parents=True)
    path = str(raw / "engine_core-9.pmspool")
    meta = {"pid": 9, "role": "engine_core", "rank": 0, "host": "h",
            "clock": {"monotonic_ns": 0, "wall_ns": 1_764_400_000_000_000_000}}
    said = []
    w = spool.SpoolWriter(path, meta, on_failure=said.append)
    w.emit("cpu_operation", 2, 1, "scheduling", "x" * 70000)  # cut
    w.emit("kv_block_eviction", 3, 1, 11)                    # one field short: not written
    w.flush()
    tail = _id_tail("r" * 70000)                             # the scheduler hook's own encoder
    assert len(tail) == 2 + 65535 + 2
    w.emit("cpu_operation", 4, 1, "scheduling", "")
    w.flush()
    w.emit("cpu_operation", 5, 1, "scheduling", "")          # nothing new: no report
    w.close()
    losses = [r for r in _read_fields(path) if r[0] == "probe_losses"]
    assert losses == [("probe_losses", 2, 1, 1, 0), ("probe_losses", 4, 1, 0, 0)], losses
    assert w.truncated == 2 and w.malformed == 1
    assert len(said) == 2, said  # one line for the first cut, one for the first unpackable record
    r = subprocess.run([os.path.join(REPO, "profilemate"), "export", str(tmp_path / "session_cut"), "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    warnings = json.load(open(tmp_path / "session_cut" / "metadata.json"))["warnings"]
    assert warnings == [
        "engine_core-9.pmspool: 2 string values (request ids, names) over the spool's 65,535-byte limit cut to fit",
        "engine_core-9.pmspool: 1 record the probe could not pack not written (a probe bug: its log says which)",
    ], warnings


def test_an_engine_config_over_64_kib_arrives_whole(tmp_path):
    """engine_config_v2 is one text field (u32 length): a config past the old 65,535-byte str
    limit goes through the real writer and the engine's export with every key, none cut."""
    cfg = {"model": "m", "cudagraph_capture_sizes": list(range(8000)), "max_num_seqs": 8,
           "huge": "x" * 70000, "arch": {"k%d" % i: "v" * 40 for i in range(800)}}
    raw = tmp_path / "session_cfg" / "raw"
    raw.mkdir(parents=True)
    meta = {"pid": 8, "role": "engine_core", "rank": 0, "host": "h",
            "clock": {"monotonic_ns": 0, "wall_ns": 1_764_400_000_000_000_000}}
    w = spool.SpoolWriter(str(raw / "engine_core-8.pmspool"), meta)
    w.emit("engine_config_v2", 5, json.dumps(cfg, sort_keys=True))
    w.close()
    assert w.truncated == 0
    r = subprocess.run([os.path.join(REPO, "profilemate"), "export", str(tmp_path / "session_cfg"), "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    engine = json.load(open(tmp_path / "session_cfg" / "metadata.json"))["engine"]
    assert engine == cfg


def test_the_spool_thread_anchors_the_clocks_once_per_chunk_after_its_records(tmp_path):
    from profilemate_probe.spool import RECORD_HEADER, RECORDS

    anchor = RECORDS["clock_anchor"]
    path = str(tmp_path / "a.pmspool")
    w = spool.SpoolWriter(path, {"pid": 1, "clock": {"monotonic_ns": time.monotonic_ns(), "wall_ns": time.time_ns()}},
                    anchor_seconds=0)  # 0: every chunk with records gets one
    for n in (2, 3):
        for _ in range(n):
            w.emit("cpu_operation", time.monotonic_ns(), 1, "op", "")
        w.flush()
    w.flush()  # nothing new: no chunk, no anchor
    w.close()
    data = open(path, "rb").read()
    chunks = []
    for _header, start, end in spool_chunks(data):
        recs, at = [], start
        while at < end:
            size, type_id = RECORD_HEADER.unpack_from(data, at)
            recs.append((type_id, data[at + RECORD_HEADER.size: at + RECORD_HEADER.size + size]))
            at += RECORD_HEADER.size + size
        chunks.append(recs)
    data_chunks = [c for c in chunks if any(t == RECORDS["cpu_operation"].type_id for t, _ in c)]
    assert len(data_chunks) == 2
    for c in data_chunks:
        assert c[-1][0] == anchor.type_id and sum(t == anchor.type_id for t, _ in c) == 1
        t_ns, wall_ns, uncertainty, source = struct.unpack_from("<qqqB", c[-1][1])
        ops = [struct.unpack_from("<q", b)[0] for t, b in c if t == RECORDS["cpu_operation"].type_id]
        assert t_ns >= max(ops) and uncertainty >= 0 and source == 0
        # the same relation of the two clocks as read here (a second of slack: not a timing claim)
        assert abs((wall_ns - t_ns) - (time.time_ns() - time.monotonic_ns())) < 1_000_000_000
