"""Issue 25: the report's data-parallel balance on a real DP=2 run.

Two processes, each vLLM's real V1 scheduler on the CPU (drive_dp.py) as one DP rank's EngineCore,
with the probe attached through PYTHONPATH and one session between them. Rank 0 gets three times the
requests of rank 1, with longer prompts and outputs. The export must give every per-step and
per-request row its DP rank, and the report's DP-balance answer (tokens per rank, each rank's share,
busiest rank / mean) must equal what vLLM's schedulers scheduled (SchedulerOutput's token counts).
"""
import csv
import html
import json
import os
import subprocess
import sys

import pytest

from conftest import PROBE, REPO, truths_of

pytest.importorskip("vllm")
DRIVER = os.path.join(os.path.dirname(__file__), "drive_dp.py")
LOADS = {0: (12, 160, 24), 1: (4, 96, 12)}  # requests, prompt tokens, max output tokens


def _run(session):
    procs = []
    for dp, load in LOADS.items():
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("VLLM_", "PROFILEMATE_", "ENABLE_")) and k != "PYTHONPATH"}
        env.update({"PYTHONPATH": os.pathsep.join([PROBE, os.path.dirname(__file__)]), "VLLM_ENABLE_PROFILING": "1",
                    "PROFILEMATE_SIDECAR": "0", "PROFILEMATE_SESSION_DIR": session, "PM_DP_RANK": str(dp),
                    "PM_DP_SIZE": str(len(LOADS)), "PM_LOAD": ",".join(map(str, load)), "OMP_NUM_THREADS": "1"})
        procs.append(subprocess.Popen([sys.executable, DRIVER], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    return {t["dp_rank"]: t for t in truths_of(procs)}


def _rows(session, name):
    with open(os.path.join(session, name), newline="") as f:
        return list(csv.DictReader(f))


def test_the_reports_dp_balance_is_what_the_two_schedulers_scheduled(tmp_path):
    session = str(tmp_path / "session_dp")
    os.makedirs(os.path.join(session, "raw"), mode=0o700)
    truths = _run(session)
    for cmd in ("export", "report"):
        r = subprocess.run([os.path.join(REPO, "profilemate"), cmd, session], capture_output=True, text=True,
                           timeout=900)
        assert r.returncode == 0, r.stderr

    # every step of each scheduler, in its order, with its DP rank; every request with its EngineCore's
    steps = _rows(session, "batch_utilization.csv")
    for dp, t in truths.items():
        mine = [int(s["num_tokens"]) for s in steps if s["dp_rank"] == str(dp)]
        assert mine == [s[0] for s in t["steps"]], dp
    assert {s["dp_rank"] for s in steps} == {"0", "1"} and all(s["tp_rank"] == "" for s in steps)
    for name in ("request_lifecycle.csv", "latency_parts.csv"):
        by_rank = {}
        for row in _rows(session, name):
            by_rank.setdefault(row["dp_rank"], []).append(row["request_id"])
        assert {int(k): sorted(v) for k, v in by_rank.items()} == {dp: t["finished"] for dp, t in truths.items()}, name

    page = open(os.path.join(session, "profile_report.html")).read()
    data = page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    d = json.loads(html.unescape(data) if data.lstrip().startswith("&") else data)["analyses"]["data_parallel"]
    assert d["status"]["recorded"], d["status"]
    tokens = {dp: sum(s[0] for s in t["steps"]) for dp, t in truths.items()}
    total = sum(tokens.values())
    per = {r["dp_rank"]: r for r in d["per_rank"]}
    assert sorted(per) == [0, 1] and d["ranks"] == 2
    for dp, n in tokens.items():
        assert per[dp]["tokens"] == n
        assert per[dp]["steps"] == len(truths[dp]["steps"])
        assert per[dp]["token_share_pct"] == pytest.approx(100 * n / total, abs=1e-6)  # the report data: 6 decimals
    busiest = max(tokens, key=tokens.get)
    assert busiest == 0  # the load built: three times the requests, longer prompts and outputs
    assert d["token_imbalance"] == pytest.approx(tokens[0] / (total / 2), abs=1e-6)
    assert d["headline"].startswith("2 DP ranks: rank 0 scheduled ")
    print("DP balance: tokens per rank %s (vLLM's schedulers), report: share %s, busiest/mean %.3f; %s"
          % (tokens, {k: round(v["token_share_pct"], 2) for k, v in per.items()}, d["token_imbalance"],
             d["headline"]))
