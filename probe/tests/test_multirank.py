"""Issue 25 item 5: one session across ranks, from several real processes on the CPU.

Four processes (TP=2 x DP=2, expert parallel on) each build vLLM's real parallel state over gloo
(drive_ranks.py) with the probe attached through PYTHONPATH, as vLLM's workers get it; the second DP
group runs as a second node: its own node name and a monotonic clock 1234.5 s off (a node booted at
another time). The export must give every row its process's ranks as vLLM's parallel state says
them, and put both "nodes" on one timeline through the clock anchors: the alignment error is measured
against the true clock (one host underneath), and printed.
"""
import csv
import json
import os
import socket
import subprocess
import sys

from conftest import PROBE, REPO

DRIVER = os.path.join(os.path.dirname(__file__), "drive_ranks.py")
TP, DP, BARRIERS = 2, 2, 20
OFFSET_NS = {"node-a": 0, "node-b": 1_234_500_000_000}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_ranks(session):
    port = _free_port()
    procs = []
    for rank in range(TP * DP):
        node = "node-a" if rank // TP == 0 else "node-b"  # vLLM's layout: DP groups of TP consecutive ranks
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("VLLM_", "PROFILEMATE_", "ENABLE_")) and k != "PYTHONPATH"}
        env.update({"PYTHONPATH": PROBE, "VLLM_ENABLE_PROFILING": "1", "PROFILEMATE_SIDECAR": "0",
                    "PROFILEMATE_SESSION_DIR": session, "VLLM_PROFILING_NODE": node,
                    "VLLM_PROFILING_ANCHOR_SECONDS": "1", "PM_MONO_OFFSET_NS": str(OFFSET_NS[node]),
                    "PM_RANK": str(rank), "PM_WORLD": str(TP * DP), "PM_TP": str(TP), "PM_DP": str(DP),
                    "PM_PORT": str(port), "PM_BARRIERS": str(BARRIERS), "OMP_NUM_THREADS": "1"})
        procs.append((node, subprocess.Popen([sys.executable, DRIVER], env=env, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True)))
    truths = []
    for node, p in procs:
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, err[-3000:]
        line = [x for x in out.splitlines() if x.startswith("TRUTH ")]
        assert line, (out[-2000:], err[-3000:])
        truths.append(dict(json.loads(line[0][6:]), node=node))
    return truths


def test_ranks_of_real_vllm_processes_reach_every_row_and_the_nodes_align(tmp_path):
    session = str(tmp_path / "session_ranks")
    os.makedirs(os.path.join(session, "raw"), mode=0o700)
    truths = _run_ranks(session)
    r = subprocess.run([os.path.join(REPO, "profilemate"), "export", session], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr
    meta = json.load(open(os.path.join(session, "metadata.json")))
    by_pid = {p["pid"]: p for p in meta["processes"]}
    assert sorted(by_pid) == sorted(t["pid"] for t in truths)

    # every process's ranks as vLLM's parallel state gave them (metadata.json, by pid)
    for t in truths:
        par = by_pid[t["pid"]]["parallel"]
        assert par["source"] == "initialize_model_parallel" and par["node"] == t["node"], par
        assert par["enable_expert_parallel"] is True and par["world_size"] == TP * DP
        for key in ("world_rank", "dp_rank", "dp_size", "pp_rank", "pp_size", "tp_rank", "tp_size", "ep_rank",
                    "ep_size"):
            assert par[key] == t[key], (key, par, t)
    assert sorted((t["dp_rank"], t["tp_rank"]) for t in truths) == [(d, k) for d in range(DP) for k in range(TP)]

    # ... and in every row: each barrier has one row per process, with that process's node and ranks
    rows = [row for row in csv.DictReader(open(os.path.join(session, "cpu_operations_timing.csv")))
            if row["operation"] == "barrier"]
    want = sorted((t["node"], str(t["dp_rank"]), str(t["pp_rank"]), str(t["tp_rank"]), str(t["ep_rank"]))
                  for t in truths)
    by_barrier = {}
    for row in rows:
        by_barrier.setdefault(row["context"], []).append(row)
    assert len(by_barrier) == BARRIERS
    for i, rs in by_barrier.items():
        assert sorted((x["node"], x["dp_rank"], x["pp_rank"], x["tp_rank"], x["ep_rank"]) for x in rs) == want, i

    # the clocks: the reference node's processes read the session's monotonic clock as it is, the
    # other node's were moved through their anchors; the true shift is known (one host underneath)
    ref = [p for p in meta["processes"] if p["clock"]["aligned_by"].startswith("monotonic")]
    other = [p for p in meta["processes"] if p["clock"]["aligned_by"].startswith("wall")]
    assert len(ref) == TP and len(other) == TP, [p["clock"] for p in meta["processes"]]
    ref_node = ref[0]["host"]
    errors = []
    for p in other:
        c = p["clock"]
        assert c["anchors"] >= 2, c
        true_shift = OFFSET_NS[ref_node] - OFFSET_NS[p["host"]]
        errors.append(abs(c["shift_ns"] - true_shift))
        print("clock %s pid %d: shift %d ns, true %d ns, error %d ns, stated bound %s ns (anchors %d, max "
              "uncertainty %d ns, max step %d ns)" % (p["host"], p["pid"], c["shift_ns"], true_shift, errors[-1],
                                                     c["error_bound_ns"], c["anchors"], c["max_uncertainty_ns"],
                                                     c["max_step_between_anchors_ns"]))
    # far below the 1234.5 s between the two clocks: the nodes are on one timeline (not a timing claim)
    assert max(errors) < 5_000_000, errors

    # the barriers after alignment, against their true instants (one host: one real clock)
    truth_by_key = {(t["node"], str(t["dp_rank"]), str(t["tp_rank"])): t for t in truths}
    pair_errors, spreads = [], []
    for i in range(BARRIERS):
        rs = by_barrier["i=%d" % i]
        aligned = [float(x["timestamp_sec"]) for x in rs]
        real = [truth_by_key[(x["node"], x["dp_rank"], x["tp_rank"])]["barrier_real_mono_ns"][i] / 1e9 for x in rs]
        spreads.append(max(aligned) - min(aligned))
        pair_errors += [abs((aligned[a] - aligned[b]) - (real[a] - real[b]))
                        for a in range(len(rs)) for b in range(a + 1, len(rs))]
    spreads.sort()
    print("barrier spread after alignment over %d barriers: median %.1f us, max %.1f us; alignment error of "
          "pairwise differences (CSV at 1 us): max %.1f us" % (BARRIERS, spreads[len(spreads) // 2] * 1e6,
                                                              spreads[-1] * 1e6, max(pair_errors) * 1e6))
    assert max(pair_errors) < 0.005, max(pair_errors)
