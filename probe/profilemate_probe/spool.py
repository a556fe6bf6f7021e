"""Append-only spool writer (format: spool-format/SPEC.md, layout: records.json).

Records reach the writer's queue in one of two forms. Hooks that run every scheduler step
or every KV block append bytes they packed themselves with a `packer()`: two C calls, and
nothing left for the spool thread to do per record. (Queuing the values for the spool thread
to pack cost more in total: under the GIL vLLM's thread waits while the spool thread runs,
and its per-record Python ran several times slower than in a microbenchmark.) Rarer records
with strings go through `emit()` and are packed on the spool thread. The thread commits
chunks in batches; on any I/O error the writer turns itself off and the host goes on.
"""
import collections
import errno
import functools
from itertools import repeat, starmap
import json
import os
import struct
import threading
import time
import zlib

from . import retention
from .versions import SPOOL

MAGIC = b"PMSP"
MAJOR, MINOR = SPOOL  # versions.properties; minor 1: types 29-31 (scheduler_update, ...); 2: type 32 (records_lost); 3: type 33;
#                       4: field types text, i32s, i64s and types 34-39 (engine config and MoE without length limits)
#                       5: type 40 (probe_losses: values cut, records the probe could not pack)
#                       6: a process's spool may be a run of segments <role>-<pid>.<n>.pmspool (segments.py),
#                          each after the first repeating the state records (CARRIED) after its metadata
#                       7: types 41 (request_trace: a request's W3C trace context) and 42 (prefill_chunk)
#                       8: type 43 (prefix_cache_lookup) and the field block_key of type 11 (kv_block_eviction)
#                       9: types 44 (parallel_identity: the process's dp/pp/tp/ep ranks and node) and 45 (clock_anchor)
#                      10: type 46 (eplb_placement: EPLB's physical expert placement, at start-up and per rearrangement)
STATE_WRITING, STATE_COMPLETE = 0xFF, 0x01
FLAG_FINAL = 0x01
CHUNK_HEADER = struct.Struct("<4sBBBBIIIIq")
RECORD_HEADER = struct.Struct("<IH")
METADATA_TYPE = 0
_FIXED = {"i64": "q", "i32": "i", "f64": "d", "u8": "B"}
_U32 = struct.Struct("<I")


def _encode_str(s):
    b = s.encode("utf-8", "replace")[:65535]
    return len(b).to_bytes(2, "little") + b


def _encode_text(s):
    b = s.encode("utf-8", "replace")
    return _U32.pack(len(b)) + b


def _array_encoder(code, width):
    """An array field: u32 element count, then the elements little-endian. The value may be the
    elements' raw bytes already (a numpy/torch buffer's tobytes(): no per-element Python work)."""
    def encode(v):
        if isinstance(v, (bytes, bytearray, memoryview)):
            b = bytes(v)
            if len(b) % width:
                raise ValueError("array of %d bytes is not a whole number of %d-byte elements" % (len(b), width))
            return _U32.pack(len(b) // width) + b
        n = len(v)
        return _U32.pack(n) + struct.pack("<%d%s" % (n, code), *v)
    return encode


_VARIABLE = {"str": _encode_str, "text": _encode_text, "i32s": _array_encoder("i", 4), "i64s": _array_encoder("q", 8)}
_SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "records.json")


class RecordType:
    """Packs one declared record type: fixed fields via one Struct, then variable-size ones."""

    __slots__ = ("type_id", "name", "fields", "kinds", "_fixed", "_nstr", "_nfixed", "_whole", "_encoders")

    def __init__(self, type_id, name, fields):
        self.type_id = type_id
        self.name = name
        self.fields = [f for f, _ in fields]
        self.kinds = [t for _, t in fields]
        fixed = [t for _, t in fields if t not in _VARIABLE]
        order = [t for _, t in fields]
        # Callers pass values in declared order; reorder is only legal if the schema
        # already lists fixed fields first, so enforce that instead of shuffling per call.
        if order[:len(fixed)] != fixed:
            raise ValueError("record %s: variable-size fields must follow fixed fields" % name)
        self._encoders = tuple(_VARIABLE[t] for t in order[len(fixed):])
        codes = "".join(_FIXED[t] for t in fixed)
        self._fixed = struct.Struct("<" + codes)
        self._nstr = len(order) - len(fixed)
        self._nfixed = len(fixed)
        # records without strings have a constant size: header and fields in one pack
        self._whole = None if self._nstr else struct.Struct("<IH" + codes)

    def pack(self, values):
        if self._whole is not None:
            return self._whole.pack(self._fixed.size, self.type_id, *values)
        nfixed = self._nfixed
        body = self._fixed.pack(*values[:nfixed]) + b"".join(
            [enc(v) for enc, v in zip(self._encoders, values[nfixed:])])
        return RECORD_HEADER.pack(len(body), self.type_id) + body


def load_schema(path=_SCHEMA_PATH):
    with open(path, "rb") as f:
        doc = json.load(f)
    return doc["version"], {r["name"]: RecordType(r["id"], r["name"], r["fields"]) for r in doc["records"]}


SCHEMA_VERSION, RECORDS = load_schema()


def packer(name):
    """For a record type without strings: a C-level callable from its values (t_ns first, in
    declared order) to the record's bytes, ready for a writer's `out`."""
    rec = RECORDS[name]
    if rec._whole is None:
        raise ValueError("record %s has string fields: use emit()" % name)
    return functools.partial(rec._whole.pack, rec._fixed.size, rec.type_id)


# The process's state records: written once (when vLLM builds the scheduler, a MoE layer, ...),
# yet every later record is read against them (KV usage against scheduler_limits' total blocks).
# A new segment repeats the ones written so far after its metadata ("carried": how many), so a
# segment read without its predecessors (the budget dropped them, or a triggered capture kept
# only its window) still means what it meant; the engine skips the copies when it has read the
# segment before. Emitted through emit() (once each, off the hot path), so recognised by name.
CARRIED = frozenset(("scheduler_limits", "engine_config_v2", "moe_layer", "moe_routing_hidden", "parallel_identity"))
_CARRIED_MAX_BYTES = 1 << 20  # a config of a few kB, a layer line each: far below; a bound all the same

_RECORDS_LOST = packer("records_lost")
_PROBE_LOSSES = packer("probe_losses")
_CLOCK_ANCHOR = packer("clock_anchor")
_COMPLETE = bytes([STATE_COMPLETE])
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
# record type fields (bytes 4-5 of a record) of what the writer adds itself: not data records
_NOT_DATA = tuple(t.to_bytes(2, "little") for t in
                  (METADATA_TYPE, RECORDS["records_lost"].type_id, RECORDS["probe_losses"].type_id,
                   RECORDS["clock_anchor"].type_id))
# str values cut by a hook that packs its own strings (a request id over 65,535 bytes, see
# note_cut): the next chunk any writer of this process flushes says how many
_cut_elsewhere = [0]
# per-request state a hook dropped to stay within its cap (note_forgotten): said the same way
_forgotten_elsewhere = [0]


def note_cut(n=1):
    """Counts str values a hook cut to the format's limit itself (written in the next chunk)."""
    _cut_elsewhere[0] += n



def note_forgotten(n=1):
    """Counts requests whose state a hook dropped to bound its memory (written in the next chunk)."""
    _forgotten_elsewhere[0] += n


def encode_strings(*strings):
    """A record's string fields as the spool stores them (u16 byte length, UTF-8, at most
    65,535 bytes each), for a caller that packs the same strings into many records."""
    return b"".join([_encode_str(s) for s in strings])


class StringRecord:
    """For a record type whose strings repeat from record to record (a request's id): the
    strings are encoded once (`encode_strings`), and each record is then one C call and a
    concatenation, `head(fixed_size + len(tail), type_id, *fixed_values) + tail`, bytes ready
    for a writer's `out`, made on the hook's thread instead of packed later on the spool thread."""

    __slots__ = ("head", "type_id", "fixed_size")

    def __init__(self, name):
        rec = RECORDS[name]
        if rec._whole is not None:
            raise ValueError("record %s has no string fields: use packer()" % name)
        self.head = struct.Struct("<IH" + rec._fixed.format[1:]).pack
        self.type_id = rec.type_id
        self.fixed_size = rec._fixed.size


def read_clock_anchor(reads=3):
    """(t_ns, wall_ns, uncertainty_ns): the wall clock read between two monotonic reads, t_ns their
    midpoint and uncertainty_ns their distance, which bounds how far the pair can be off. The
    tightest of a few tries: a read the OS interrupted (a preemption, an interrupt) is a wide one."""
    best = None
    mono, wall = time.monotonic_ns, time.time_ns
    for _ in range(reads):
        m0 = mono()
        w = wall()
        m1 = mono()
        if best is None or m1 - m0 < best[2]:
            best = ((m0 + m1) // 2, w, m1 - m0)
    return best


def encode_chunk(payload, sequence, count, first_t_ns, state=STATE_COMPLETE, flags=0):
    return CHUNK_HEADER.pack(MAGIC, MAJOR, MINOR, state, flags, len(payload),
                             zlib.crc32(payload) & 0xFFFFFFFF, sequence, count, first_t_ns) + payload


class SpoolWriter:
    """One per process. `emit()` and `out()` never block on disk and never raise.

    Both append to one deque (atomic under the GIL, so no lock; bounded, so a stalled disk
    costs records, never memory), which keeps the records in the order they were made; the
    flush thread drains it into a chunk.
    """

    def __init__(self, path, metadata, flush_every=100, flush_seconds=1.0,
                 max_buffer_bytes=16 << 20, on_failure=None, min_interval=0.05, on_disabled=None,
                 segments=None, clock=time.monotonic, anchor_seconds=None):
        # segments (segments.Segments): the spool rotates into segment files under a disk budget;
        # None: one file at `path`, as before minor 6
        self._segments = segments
        self.path = path if segments is None else segments.describe()
        self._clock = clock  # segment age; a replay (bench/footprint_replay.py) runs it faster
        # clock_anchor records (monotonic vs wall clock): in the first chunk of each segment, then every
        # anchor_seconds, so that processes of several hosts align on one timeline and the session can
        # say how well (the drift between anchors); None: none (fixtures write theirs themselves)
        self._anchor_seconds = anchor_seconds
        self._next_anchor = 0.0
        self._anchor = None  # read when the queue was last taken (_gather), for the next chunk's end
        self.enabled = True
        self.dropped = 0
        self._dropped_written = 0   # of self.dropped, how many a records_lost record has reported
        self.malformed = 0
        self.truncated = 0  # string values cut to the format's 65,535 bytes (emit()ed records)
        self.forgotten = 0  # requests whose per-request state the hooks dropped (note_forgotten)
        self._losses_written = (0, 0, 0)  # (truncated, malformed, forgotten) a probe_losses record has reported
        self._overflow_said = False
        self._max_records = max(1024, max_buffer_bytes // 64)  # records average ~64 bytes
        self._q = collections.deque(maxlen=self._max_records)
        # out(packed_bytes): the hot path's append (see packer()); when the queue is full the
        # oldest record goes uncounted (counting there would cost every record: a wrapper
        # ~110 ns, a counter call ~50 ns, against ~40 ns for the append, bench/results/
        # lifetimes.txt). So the thread takes the queue empty every `gather_seconds`, into
        # `_pending`, whose bound it keeps itself, counting each record it drops: the queue
        # then never fills unless that thread is held up (a write stalled on the disk) for a
        # queue's worth of records, which the next records_lost record flags (queue_full).
        self.out = self._q.append
        self._pending = []
        self._gather_seconds = min(0.1, flush_seconds)
        self._last_write = time.monotonic()
        self._queue_overflowed = False
        self._on_disabled = on_disabled  # called once if the writer turns itself off
        self._seq = 0
        self._offset = 0
        self._flush_every = max(1, int(flush_every))
        self._flush_seconds = flush_seconds
        self._min_interval = min(min_interval, flush_seconds)
        self._on_failure = on_failure
        self._wake = threading.Event()
        self._io_lock = threading.Lock()
        self._closed = False
        self._metadata = metadata
        self._segment = 0
        self._carried = []          # packed CARRIED records so far, in order
        self._carried_bytes = 0
        self._carry_next = []       # the copies the current segment opens with (after its metadata)
        self._seg_stats = _SegmentStats(clock())
        # a segment is written under a hidden name until its first chunk is whole (_publish);
        # opened here so that a folder that cannot take it fails at once, as a plain spool does
        self._publish = segments is not None
        self._fd = os.open(segments.temp_path(0) if segments is not None else path, _CREATE, 0o600)
        self._meta_t = metadata.get("clock", {}).get("monotonic_ns") or time.monotonic_ns()
        # kept out of the queue, which may drop its oldest records: a spool must start with it
        self._meta = self._meta_record()
        self._thread = None

    def _meta_record(self):
        """The metadata record opening the current segment (or the one file): every segment
        starts with it, so each reads alone."""
        meta = self._metadata
        if self._segments is not None:
            meta = dict(meta, segment=self._segment)
            if self._carry_next:
                meta["carried"] = len(self._carry_next)
        meta = json.dumps(meta, sort_keys=True).encode("utf-8")
        return RECORD_HEADER.pack(len(meta), METADATA_TYPE) + meta

    def start(self):
        self._thread = threading.Thread(target=self._run, name="profilemate-spool", daemon=True)
        self._thread.start()
        return self

    def emit(self, name, *values):
        """Queues one record; values in the declared field order, t_ns first. Values must be
        immutable (ints, floats, strs): they are packed later, on the writer thread."""
        if not self.enabled:
            self.dropped += 1  # handed over after the writer turned off: lost, and counted
            return
        q = self._q
        if len(q) >= self._max_records:
            self.dropped += 1  # the append pushes the oldest record out, as out() does
        q.append((name, values))
        if len(q) == self._flush_every:
            self._wake.set()

    def _append(self, data, t_ns=None):
        """A pre-packed record (tests use it for types the schema does not declare)."""
        self._q.append(data)

    def _pack_all(self, items):
        """Taken records as packed byte strings, in the order they were made."""
        # emit()ed records are (name, values) tuples: find them with C scans, pack only those
        kinds = list(map(type, items))
        emitted = kinds.count(tuple)
        if emitted:
            i = -1
            for _ in range(emitted):
                i = kinds.index(tuple, i + 1)
                items[i] = self._pack_values(items[i])
            if b"" in items:  # malformed records
                items = [b for b in items if b]
        return items

    def _pack_values(self, item):
        try:
            rec = RECORDS[item[0]]
            if rec._nstr:
                self._count_long_strings(rec, item[1])
            packed = rec.pack(item[1])
            if item[0] in CARRIED and self._segments is not None \
                    and self._carried_bytes + len(packed) <= _CARRIED_MAX_BYTES:
                self._carried.append(packed)
                self._carried_bytes += len(packed)
            return packed
        except Exception as exc:
            # a probe bug (wrong field count or type): lose the record, say so once
            self.malformed += 1
            if self.malformed == 1 and self._on_failure:
                self._on_failure("spool %s: record %s not written: %s: %s"
                                 % (self.path, item[0], type(exc).__name__, exc))
            return b""

    def _count_long_strings(self, rec, values):
        """A string over the format's 65,535 bytes is cut (encode_strings): count it and say so
        once, never silently. A str of at most 16,383 characters cannot be longer (4 bytes a
        character at most), so only long ones are encoded here."""
        for kind, v in zip(rec.kinds[rec._nfixed:], values[rec._nfixed:]):
            # text and array fields have a u32 length: only str (u16) can be cut
            if kind == "str" and len(v) > 16383 and len(v.encode("utf-8", "replace")) > 65535:
                self.truncated += 1
                if self.truncated == 1 and self._on_failure:
                    self._on_failure("spool %s: record %s holds a string of %d bytes, over the format's "
                                     "65,535: cut to fit (counted in the session's probe_losses)"
                                     % (self.path, rec.name, len(v.encode("utf-8", "replace"))))

    def _run(self):
        while not self._closed:
            self._wake.wait(self._gather_seconds)
            self._wake.clear()
            due = False
            try:
                with self._io_lock:
                    self._gather()
                    due = (len(self._pending) >= self._flush_every
                           or time.monotonic() - self._last_write >= self._flush_seconds)
                    if due:
                        self._flush_locked(False)
            except Exception as exc:  # never leave the queue without a reader
                self._turn_off(exc)
            if due:
                # A flush has a fixed cost (taking the GIL from vLLM's busy thread, two writes):
                # under a burst, let records gather for a moment instead of flushing every N.
                time.sleep(self._min_interval)

    def flush(self, final=False):
        with self._io_lock:
            self._gather()
            self._flush_locked(final)

    def _gather(self):
        """Moves the queue's records to `_pending` (cheap: one C loop), keeping `_pending` to the
        queue's bound by dropping its oldest records, each counted."""
        q = self._q
        n = len(q)
        if not n or not self.enabled:
            return
        if self._anchor_seconds is not None and time.monotonic() >= self._next_anchor:
            # read before the queue is taken: every record taken now was queued before it (its t_ns
            # earlier), every later one after, so the anchor closing the chunk keeps the stream in
            # time order (read at the flush instead, records queued while the chunk was packed, ms on
            # a busy thread, came after it with earlier times)
            self._anchor = read_clock_anchor()
            n = len(q)
        if n == self._max_records:
            self._queue_overflowed = True  # out() may have pushed records out uncounted
        pending = self._pending
        pending.extend(starmap(q.popleft, repeat((), n)))
        over = len(pending) - self._max_records
        if over > 0:
            del pending[:over]
            self.dropped += over

    def _flush_locked(self, final):
        pending = self._pending
        if not self.enabled or (not pending and not final):
            return
        full, self._queue_overflowed = self._queue_overflowed, False
        self._pending = []
        self._last_write = time.monotonic()
        items = self._pack_all(pending)
        data = len(items)  # before the writer's own records (losses, metadata) go in front
        # only records open a new segment: a final chunk of nothing ends the current one
        if self._segments is not None and data and not self._rotate_if_due(items):
            return
        anchored = 0
        if self._anchor is None and self._anchor_seconds is not None and data and self._next_anchor == 0.0:
            self._anchor = read_clock_anchor()  # a new segment's first chunk: it rotated after the queue was taken
        if self._anchor is not None and data:
            # last in the chunk: read when its last records were taken from the queue (_gather)
            self._next_anchor = time.monotonic() + self._anchor_seconds
            items.append(_CLOCK_ANCHOR(*self._anchor, 0))
            self._anchor = None
            anchored = 1
        lost = self.dropped - self._dropped_written
        if (full or lost) and items:
            # the session must say that its files under-count from here, not only the log
            self._dropped_written += lost
            items.insert(0, _RECORDS_LOST(self._first_t(items[0]), lost, 1 if full else 0))
        elsewhere = _cut_elsewhere[0]
        if elsewhere:
            _cut_elsewhere[0] -= elsewhere  # += from a hook in between stays for the next chunk
            if not self.truncated and self._on_failure:
                self._on_failure("spool %s: a request id over 65,535 bytes was cut to fit (counted "
                                 "in the session's probe_losses)" % self.path)
            self.truncated += elsewhere
        forgotten = _forgotten_elsewhere[0]
        if forgotten:
            _forgotten_elsewhere[0] -= forgotten
            self.forgotten += forgotten
        cut = self.truncated - self._losses_written[0]
        malformed = self.malformed - self._losses_written[1]
        forgotten = self.forgotten - self._losses_written[2]
        if (cut or malformed or forgotten) and items:
            # a cut value or an unwritten record is a loss the session says, not only the log
            self._losses_written = (self.truncated, self.malformed, self.forgotten)
            items.insert(0, _PROBE_LOSSES(self._first_t(items[0]), cut, malformed, forgotten))
        if self._meta is not None:
            items[0:0] = [self._meta] + self._carry_next
            self._meta = None
        if full and not self._overflow_said:
            self._overflow_said = True  # the deque dropped its oldest records to stay bounded
            if self._on_failure:
                self._on_failure("spool %s: queue full, oldest records dropped" % self.path)
        n = len(items)
        if not n and not final:
            return
        first = self._first_t(items[0]) if items else time.monotonic_ns()
        chunk = encode_chunk(b"".join(items), self._seq, n, first, STATE_WRITING,
                             FLAG_FINAL if final else 0)
        publish = self._publish  # a segment's first chunk: written aside, then renamed in
        try:
            written = os.pwrite(self._fd, chunk, self._offset)
            if written != len(chunk):
                # a full disk: the chunk's head is on disk, its tail is not
                raise OSError(errno.ENOSPC, "short write, %d of %d bytes" % (written, len(chunk)))
            if os.pwrite(self._fd, _COMPLETE, self._offset + 6) != 1:
                raise OSError(errno.EIO, "short write of the chunk's state byte")
            if publish:
                os.rename(self._segments.temp_path(self._segment), self._segments.path(self._segment))
                self._publish = False
        except OSError as exc:
            if publish:
                self._unlink_temp()
            self._lose_chunk(items, exc)
            return
        self._offset += len(chunk)
        self._seq += 1
        if data:
            self._seg_stats.add(data, self._first_t(items[n - data - anchored]), self._first_t(items[-1 - anchored]))

    def _rotate_if_due(self, items):
        """Closes the current segment when the next chunk must start a new one. False when the
        writer turned off (the index or the budget could not be kept)."""
        seg = self._segments
        size = CHUNK_HEADER.size + sum(map(len, items))
        if not seg.due(self._offset, size, self._clock() - self._seg_stats.started, self._seg_stats.records > 0):
            return True
        try:
            self._close_segment(final=False)
        except Exception as exc:
            self.dropped += len(items)  # taken from the queue already: counted with the rest
            self._turn_off(exc)
            return False
        return True

    def _close_segment(self, final):
        """The segment is whole: it goes in the index as closed (the budget may drop it from now
        on), the budget is enforced, and the next chunk opens segment n+1 with the metadata."""
        seg = self._segments
        os.close(self._fd)
        self._fd = None
        st = self._seg_stats
        fd = retention.open_index(seg.raw_dir)
        try:
            retention.append(fd, {"event": "closed", "spool": seg.stem, "segment": self._segment,
                                  "file": seg.name(self._segment), "first_t_ns": st.first_t, "last_t_ns": st.last_t,
                                  "records": st.records, "bytes": self._offset, "final": final})
        finally:
            os.close(fd)
        retention.enforce(seg.raw_dir, seg.budget_bytes, seg.max_bytes, final)
        self._segment += 1
        self._seq = 0
        self._offset = 0
        self._carry_next = list(self._carried)
        self._meta = self._meta_record()
        self._seg_stats = _SegmentStats(self._clock())
        self._next_anchor = 0.0  # a segment read alone has an anchor of its own time
        if not final:
            self._fd = os.open(seg.temp_path(self._segment), _CREATE, 0o600)
            self._publish = True

    def _unlink_temp(self):
        try:
            os.close(self._fd)
        except (OSError, TypeError):
            pass
        self._fd = None
        self._publish = False
        try:
            os.unlink(self._segments.temp_path(self._segment))
        except OSError:
            pass

    def _lose_chunk(self, items, exc):
        """A chunk that did not reach the disk whole: the file is cut back to its last committed
        chunk (a hole or a torn chunk there would make the reader refuse what follows, or
        stop), the chunk's records are counted lost, and the writer turns off."""
        try:
            if self._fd is not None:
                os.ftruncate(self._fd, self._offset)
        except OSError:
            pass  # the torn chunk stays in state 0xFF, the end of the file: an incomplete tail
        self.dropped += sum(1 for r in items if r[4:6] not in _NOT_DATA)
        self._turn_off(exc)

    def _turn_off(self, exc):
        self.enabled = False
        if self._on_disabled is not None:
            # First the hooks stop handing records to this writer (and stop making them), then
            # the count: told afterwards, they went on filling the queue while the line below
            # was written (the write lets vLLM's thread run), and those records were lost uncounted.
            try:
                self._on_disabled()
            except Exception:
                pass
            if threading.current_thread() is self._thread:
                # a hook that was already handing records over when the rebinding happened still
                # holds this writer's out(): let vLLM's thread finish it before counting
                time.sleep(0.05)
        if self._publish:
            self._unlink_temp()  # a segment that never got its first chunk: no hidden file left behind
        # what is still queued is lost too; the count goes in the log line (no spool is left to say it)
        self.dropped += len(self._q) + len(self._pending)
        self._q.clear()
        self._pending = []
        if self._on_failure:
            self._on_failure("spool %s: %s; %d records lost; profiling stops, vLLM goes on"
                             % (self.path, exc, self.dropped))

    def _first_t(self, record):
        # every declared record starts with t_ns; the metadata record carries the clock anchor
        if RECORD_HEADER.unpack_from(record)[1] == METADATA_TYPE or len(record) < 14:
            return self._meta_t
        return struct.unpack_from("<q", record, 6)[0]

    def close(self):
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self.flush(final=True)
        if self._segments is not None and self._fd is not None and self.enabled and not self._publish:
            try:
                self._close_segment(final=True)  # the budget may drop an exited process's segments too
            except Exception as exc:
                if self._on_failure:
                    self._on_failure("spool %s: last segment not indexed: %s" % (self.path, exc))
            return
        try:
            if self._fd is not None:
                os.close(self._fd)
        except OSError:
            pass


class _SegmentStats:
    """What the index says of a segment: its data records and their time range."""

    __slots__ = ("started", "records", "first_t", "last_t")

    def __init__(self, started):
        self.started = started
        self.records = 0
        self.first_t = None
        self.last_t = None

    def add(self, n, first_t, last_t):
        self.records += n
        self.first_t = first_t if self.first_t is None else min(self.first_t, first_t)
        self.last_t = last_t if self.last_t is None else max(self.last_t, last_t)
