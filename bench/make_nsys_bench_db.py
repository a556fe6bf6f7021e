#!/usr/bin/env python3
"""Build a large Nsight Systems SQLite export by replicating a real export's rows.

Every event table that the analysis reads (kernels, runtime API calls, memcpy, memset, NVTX ranges,
graph launches) is copied N times. Copy i is shifted in time by i * (span of the original trace + 1 ms)
and its correlation ids by i * (max correlation id + 1), so joins, phases, idle gaps and graph
membership stay as in the real file, just repeated. Nothing else is changed; StringIds, TARGET_INFO_*
and META_DATA_* are those of the source file.

usage: make_nsys_bench_db.py SOURCE.sqlite OUT.sqlite [--min-kernels 1000000]
Uses only the Python standard library (sqlite3).
"""
import argparse
import math
import os
import sqlite3
import sys

EVENT_TABLES = [
    "CUPTI_ACTIVITY_KIND_KERNEL",
    "CUPTI_ACTIVITY_KIND_RUNTIME",
    "CUPTI_ACTIVITY_KIND_MEMCPY",
    "CUPTI_ACTIVITY_KIND_MEMSET",
    "CUPTI_ACTIVITY_KIND_GRAPH_TRACE",
    "NVTX_EVENTS",
]


def tables(db):
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("--min-kernels", type=int, default=1_000_000)
    a = ap.parse_args()
    if os.path.exists(a.out):
        os.remove(a.out)
    src = sqlite3.connect(f"file:{a.source}?mode=ro", uri=True)
    dst = sqlite3.connect(a.out)
    src.backup(dst)
    src.close()
    have = tables(dst)
    present = [t for t in EVENT_TABLES if t in have]
    kernels = dst.execute("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL").fetchone()[0]
    copies = math.ceil(a.min_kernels / kernels)
    lo, hi, max_corr = None, None, 0
    for t in present:
        s, e = dst.execute(f"SELECT min(start), max(coalesce(end, start)) FROM {t}").fetchone()
        if s is None:
            continue
        lo = s if lo is None else min(lo, s)
        hi = e if hi is None else max(hi, e)
        cols = [r[1] for r in dst.execute(f"PRAGMA table_info({t})")]
        if "correlationId" in cols:
            max_corr = max(max_corr, dst.execute(f"SELECT coalesce(max(correlationId), 0) FROM {t}").fetchone()[0])
    span = hi - lo + 1_000_000
    corr_step = max_corr + 1
    dst.execute("PRAGMA journal_mode=OFF")
    dst.execute("PRAGMA synchronous=OFF")
    for t in present:
        cols = [r[1] for r in dst.execute(f"PRAGMA table_info({t})")]
        exprs = []
        for c in cols:
            if c in ("start", "end"):
                exprs.append(f"o.{c} + c.i * {span}")
            elif c == "correlationId":
                exprs.append(f"o.{c} + c.i * {corr_step}")
            else:
                exprs.append(f"o.{c}")
        dst.execute(f"CREATE TEMP TABLE orig AS SELECT * FROM {t}")
        dst.execute(
            f"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {copies - 1}) "
            f"INSERT INTO {t} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM c, orig o ORDER BY c.i, o.rowid"
        )
        dst.execute("DROP TABLE orig")
        dst.commit()
    # the analysed window grows with the copies
    if "ANALYSIS_DETAILS" in have:
        dst.execute(f"UPDATE ANALYSIS_DETAILS SET stopTime = stopTime + {(copies - 1) * span}, "
                    f"duration = duration + {(copies - 1) * span}")
        dst.commit()
    n = dst.execute("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL").fetchone()[0]
    dst.close()
    print(f"{a.out}: {copies} copies of {a.source}, {n} kernel rows, {os.path.getsize(a.out) / 1e6:.1f} MB",
          file=sys.stderr)


if __name__ == "__main__":
    main()
