"""A process's spool as a run of segments, `raw/<role>-<pid>.<n>.pmspool` (spool-format/SPEC.md,
"Segments and the disk budget"): a new segment starts before a chunk would take the current one
past `max_bytes`, or once it has held records for `max_seconds`. Each segment is a whole spool
(chunk 0 opens with the metadata record), so it reads alone and a closed one can be deleted
alone by the disk budget (retention.py).
"""
import os

from . import retention

MIB = 1 << 20


class Segments:
    """Names, rotation rule and the session budget of one process's segments."""

    def __init__(self, raw_dir, stem, max_bytes=64 * MIB, max_seconds=600.0, budget_bytes=1024 * MIB):
        self.raw_dir = raw_dir
        self.stem = stem
        self.budget_bytes = budget_bytes
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds

    @classmethod
    def from_config(cls, raw_dir, stem, values):
        budget = int(values.get("MAX_DISK_MB", 1024)) * MIB
        size = int(values.get("SEGMENT_MB", 64)) * MIB
        if budget > 0:
            # a budget holds at least ~16 segments, so dropping one costs a small share of the window
            size = max(MIB, min(size, budget // 16))
        return cls(raw_dir, stem, max_bytes=size, max_seconds=60.0 * float(values.get("SEGMENT_MINUTES", 10)),
                   budget_bytes=budget)

    def name(self, n):
        return "%s.%d%s" % (self.stem, n, retention.SUFFIX)

    def path(self, n):
        return os.path.join(self.raw_dir, self.name(n))

    def temp_path(self, n):
        # not *.pmspool: a reader never sees a segment before its first chunk is whole
        return os.path.join(self.raw_dir, ".%s.tmp" % self.name(n))

    def due(self, size, chunk_bytes, age_seconds, has_data):
        """Whether the next chunk (chunk_bytes) goes to a new segment instead of this one."""
        if not has_data:
            return False  # a segment of metadata alone would be pure overhead
        return size + chunk_bytes > self.max_bytes or age_seconds >= self.max_seconds

    def describe(self):
        return os.path.join(self.raw_dir, self.stem + ".*" + retention.SUFFIX)
