"""The session's disk budget: raw/ keeps at most `budget` bytes of spool segments, dropping the
oldest closed segments first, and every drop is written to raw/segments.jsonl before the file
goes, so the engine states it (spool-format/SPEC.md, "Segments and the disk budget").

Every profiled process of a session runs this after closing a segment; an exclusive lock on the
index serialises them. Only closed segments (listed "closed" in the index) are ever deleted: an
open one is still being written, and is instead reserved for (its `segment_bytes`), so raw/
stays under the budget while the open segments fill up.
"""
import fcntl
import json
import os

INDEX = "segments.jsonl"
SUFFIX = ".pmspool"


def index_path(raw_dir):
    return os.path.join(raw_dir, INDEX)


def append(fd, entry):
    """One JSON line in one write(2) on an O_APPEND descriptor: lines of several processes never
    interleave, and a reader skips a last line cut short (no newline yet)."""
    os.write(fd, (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8"))


def open_index(raw_dir):
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    return os.open(index_path(raw_dir), flags, 0o600)


def read_index(raw_dir):
    """(closed, dropped): file name -> its "closed" entry, and the set of dropped file names."""
    closed, dropped = {}, set()
    try:
        with open(index_path(raw_dir), "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return closed, dropped
    for line in data.split(b"\n")[:-1]:  # the last piece has no newline: a line still being written
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("event") == "closed":
            closed[e["file"]] = e
        elif e.get("event") == "dropped":
            dropped.add(e["file"])
    return closed, dropped


def _segment_sizes(raw_dir):
    """file name -> size of every spool segment in raw/."""
    sizes = {}
    with os.scandir(raw_dir) as it:
        for entry in it:
            if entry.name.endswith(SUFFIX):
                try:
                    sizes[entry.name] = entry.stat(follow_symlinks=False).st_size
                except OSError:
                    pass  # deleted meanwhile
    return sizes


def enforce(raw_dir, budget_bytes, segment_bytes, final=False):
    """Deletes the oldest closed segments while raw/ would pass the budget with every open segment,
    and the caller's next one (unless `final`), grown to `segment_bytes`. Returns the entries of
    the segments dropped (also in the index)."""
    if budget_bytes <= 0:
        return []
    fd = open_index(raw_dir)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        closed, dropped = read_index(raw_dir)
        sizes = _segment_sizes(raw_dir)
        total = sum(sizes.values())
        open_segments = [n for n in sizes if n not in closed]
        # an open segment grows until its writer rotates it: keep room for all of them
        # (and for the one the caller opens next: it is not on disk yet)
        reserve = sum(max(0, segment_bytes - sizes[n]) for n in open_segments) + (0 if final else segment_bytes)
        oldest_first = sorted((e for n, e in closed.items() if n in sizes and n not in dropped),
                              key=lambda e: (e.get("first_t_ns") or 0, e["spool"], e["segment"]))  # None: no data
        gone = []
        for e in oldest_first:
            if total + reserve <= budget_bytes:
                break
            entry = dict(e, event="dropped", bytes=sizes[e["file"]], budget_bytes=budget_bytes)
            append(fd, entry)  # said before it goes: no drop is ever silent
            try:
                os.unlink(os.path.join(raw_dir, e["file"]))
            except FileNotFoundError:
                pass
            total -= sizes[e["file"]]
            gone.append(entry)
        return gone
    finally:
        os.close(fd)  # releases the lock
