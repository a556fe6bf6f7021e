"""Reads a ProfileMate Parquet dataset with PySpark (local mode) and DuckDB and checks that both give
the same aggregates per (table, session, rank) partition -- rows, and count/sum/mean of every numeric
column -- and that they equal the same aggregates computed from the sessions' own CSVs.

    python parquet_engines_check.py DATASET:SESSION_DIR[,SESSION_DIR...] ...

(each dataset with the exported session folders it was written from; one Spark session for all)

Prints one line per aggregate, side by side, and exits 1 on any difference: per partition Spark
against DuckDB, and per session (its partitions together) DuckDB against the CSV.
Counts and BIGINT sums must be equal; DOUBLE sums and means may differ only by the order of
summation (relative 1e-12; the largest difference seen is printed).
"""
import csv
import json
import math
import os
import sys

import duckdb


def tables(dataset):
    return sorted(d for d in os.listdir(dataset)
                  if not d.startswith(('.', '_')) and d != "sessions" and os.path.isdir(os.path.join(dataset, d)))


def numeric_columns(con, dataset, table):
    rows = con.execute(
        f"DESCRIBE SELECT * FROM read_parquet('{dataset}/{table}/*/*/*.parquet', hive_partitioning = false)").fetchall()
    return [(name, typ) for name, typ, *_ in rows if typ in ("BIGINT", "DOUBLE")]


def duckdb_aggregates(con, dataset, table, cols, by="session, rank"):
    exprs = ["count(*)"] + [f'count("{c}"), sum("{c}"), avg("{c}")' for c, _ in cols]
    sql = (f"SELECT {by}, {', '.join(exprs)} FROM read_parquet('{dataset}/{table}/*/*/*.parquet', "
           f"hive_partitioning = true, hive_types = {{'session': 'VARCHAR', 'rank': 'VARCHAR'}}) GROUP BY ALL")
    n = by.count(",") + 1
    return {tuple(r[:n]): list(r[n:]) for r in con.execute(sql).fetchall()}


def spark_aggregates(spark, dataset, table, cols):
    from pyspark.sql import functions as F
    df = spark.read.parquet(os.path.join(dataset, table))
    aggs = [F.count(F.lit(1))]
    for c, _ in cols:
        aggs += [F.count(F.col(c)), F.sum(F.col(c)), F.avg(F.col(c))]
    return {(r[0], r[1]): list(r[2:]) for r in df.groupBy("session", "rank").agg(*aggs).collect()}


def csv_aggregates(session_dir, table, cols):
    """count, and per column count/sum/mean over the CSV's non-empty cells ('None' is NULL in BIGINT)."""
    with open(os.path.join(session_dir, table + ".csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    out = [len(rows)]
    for c, typ in cols:
        vals = [r[c] for r in rows if r[c] not in ("", "None")]
        nums = [int(v) for v in vals] if typ == "BIGINT" else [float(v) for v in vals]
        total = sum(nums) if typ == "BIGINT" else math.fsum(nums)
        out += [len(nums), total if nums else None, (math.fsum(nums) / len(nums)) if nums else None]
    return out


def same(a, b, exact, worst):
    if a is None or b is None:
        return a is None and b is None
    if exact:
        return int(a) == int(b)
    a, b = float(a), float(b)
    if a != b:
        worst[0] = max(worst[0], abs(a - b) / max(abs(a), abs(b)))
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def check(spark, con, dataset, sessions, worst):
    """Prints each aggregate of one dataset side by side; returns (checked, different)."""
    session_ids = {}
    for s in sessions:
        with open(os.path.join(s, "metadata.json")) as f:
            session_ids[json.load(f)["session"]["name"]] = s
    bad, checked = 0, 0
    print(f"== {dataset}")
    print(f"{'table':30} {'session':28} {'rank':16} {'aggregate':40} {'spark':>22} {'duckdb':>22} {'csv':>22}")
    for table in tables(dataset):
        cols = numeric_columns(con, dataset, table)
        d = duckdb_aggregates(con, dataset, table, cols)
        s = spark_aggregates(spark, dataset, table, cols)
        per_session = duckdb_aggregates(con, dataset, table, cols, by="session")
        if set(d) != set(s) or not set(session_ids) >= {k[0] for k in per_session}:
            print(f"{table}: partitions differ: spark {sorted(s)} duckdb {sorted(d)} sessions {sorted(session_ids)}")
            bad += 1
            continue
        names = ["rows"] + [f"{agg}({c})" for c, _ in cols for agg in ("count", "sum", "mean")]
        exact = [True] + [agg == "count" or (agg == "sum" and t == "BIGINT") for _, t in cols
                          for agg in ("count", "sum", "mean")]
        # every (session, rank) partition: Spark against DuckDB
        for key in sorted(d):
            session, rank = key
            for i, name in enumerate(names):
                ok = same(s[key][i], d[key][i], exact[i], worst)
                checked += 1
                bad += 0 if ok else 1
                print(f"{table:30} {session:28} {rank:16} {name:40} {str(s[key][i]):>22} {str(d[key][i]):>22} "
                      f"{'':>22}{'' if ok else '  DIFFERENT'}")
        # every session, its partitions together: DuckDB (= Spark, above) against the session's CSV
        # (a session without rows in this table has no group: it must have none in its CSV either)
        for session in sorted(session_ids):
            agg = per_session.get((session,), [0] + [0, None, None] * len(cols))
            c = csv_aggregates(session_ids[session], table, cols)
            for i, name in enumerate(names):
                ok = same(agg[i], c[i], exact[i], worst)
                checked += 1
                bad += 0 if ok else 1
                print(f"{table:30} {session:28} {'(all)':16} {name:40} {'':>22} {str(agg[i]):>22} {str(c[i]):>22}"
                      f"{'' if ok else '  DIFFERENT'}")
    print(f"{dataset}: {checked} aggregates over {len(tables(dataset))} tables, {bad} different")
    return checked, bad


def main():
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[1]").appName("profilemate-parquet-check")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
             # partition values stay text, as DuckDB reads them (rank=all is a value too)
             .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    con = duckdb.connect()
    worst = [0.0]
    print(f"spark {spark.version} (Java {spark.sparkContext._jvm.System.getProperty('java.version')}), "
          f"duckdb {duckdb.__version__}")
    checked, bad = 0, 0
    for spec in sys.argv[1:]:
        dataset, sessions = spec.split(":", 1)
        c, b = check(spark, con, os.path.abspath(dataset), sessions.split(","), worst)
        checked, bad = checked + c, bad + b
    spark.stop()
    print(f"{checked} aggregates of {len(sys.argv) - 1} datasets, spark = duckdb = csv: {checked - bad} equal, {bad} "
          f"different; largest relative difference of a DOUBLE sum or mean: {worst[0]:.3g}")
    sys.exit(1 if bad or not checked else 0)


if __name__ == "__main__":
    main()
