"""profilemate compare on sessions that differ by construction, from vLLM's real scheduler: the
demo's queue-bound variant (40 short requests at once) with max_num_seqs 4, 8 and 16 (the one
setting changed, PROFILEMATE_DEMO_MAX_NUM_SEQS). More slots must cut TTFT with an interval that
leaves out no change, the queue-wait part must be what moved, the other direction must fail a
--fail-on-regression limit (exit 5), and two runs of one setting must not."""
import glob
import json
import os
import subprocess

import pytest

from conftest import REPO

pytest.importorskip("vllm")
PM = os.path.join(REPO, "profilemate")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    out = {}
    for label, seqs in (("s4", 4), ("s4b", 4), ("s8", 8), ("s16", 16)):
        base = tmp_path_factory.mktemp(label)
        env = dict(os.environ, PROFILEMATE_DEMO_MAX_NUM_SEQS=str(seqs))
        r = subprocess.run([PM, "demo", "--variant", "queue", "--out", str(base)], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-3000:]
        sessions = glob.glob(str(base / "session_*"))
        assert len(sessions) == 1
        out[label] = sessions[0]
    return out


def _compare(*args):
    return subprocess.run([PM, "compare", *args], capture_output=True, text=True)


def test_more_slots_cut_ttft_and_the_queue_wait_part_is_what_moved(sweep, tmp_path):
    r = _compare(sweep["s4"], sweep["s16"], "--json", str(tmp_path / "c.json"))
    assert r.returncode == 0, r.stderr
    assert "settings changed: max_num_seqs 4 → 16" in r.stdout
    assert "comparable: same model, vLLM, GPU and workload shape" in r.stdout
    changes = {c["metric"]: c for c in json.loads((tmp_path / "c.json").read_text())["sessions"][0]["changes"]}
    for m in ("ttft_p50_ms", "ttft_p90_ms", "queue_wait_p50_ms", "ttft_part_queue_wait_ms"):
        assert changes[m]["verdict"] == "better", changes[m]
        assert changes[m]["ci_high"] < 0, changes[m]
    # the metrics come largest change first, with the latency parts marked
    assert changes["ttft_part_queue_wait_ms"]["latency_part"] is True
    assert "what moved inside TTFT and ITL" in r.stdout


def test_the_other_way_fails_a_ci_limit_and_an_aa_pair_does_not(sweep):
    worse = _compare(sweep["s16"], sweep["s4"], "--fail-on-regression", "ttft_p90_ms=20")
    assert worse.returncode == 5, worse.stdout + worse.stderr
    assert worse.stderr.startswith("regression: ttft_p90_ms worse by"), worse.stderr
    same = _compare(sweep["s4"], sweep["s4b"], "--fail-on-regression", "ttft_p90_ms=20")
    assert same.returncode == 0, same.stdout + same.stderr


def test_a_sweep_orders_by_the_setting_and_charts_it(sweep, tmp_path):
    html = tmp_path / "sweep.html"
    r = _compare(sweep["s16"], sweep["s4"], sweep["s8"], "--sweep", "max_num_seqs", "--html", str(html))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("baseline " + os.path.basename(sweep["s4"]))
    page = html.read_text()
    assert 'data-metric="ttft_p99_ms"' in page
    data = json.loads(page.split('id="compare-data">', 1)[1].split("</script>", 1)[0])
    assert data["sweep_values"] == ["4", "8", "16"]


def test_the_report_opens_with_the_answer_against_a_baseline(sweep, tmp_path):
    out = tmp_path / "r.html"
    r = subprocess.run([PM, "report", sweep["s16"], "--baseline", sweep["s4"], "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    # the answers first (why TTFT/ITL, did it help), then the per-profiler sections
    order = [page.index('id="%s"' % s) for s in ("why-latency", "did-it-help", "recommendations", "kv-cache")]
    assert order == sorted(order), order
    section = page.split('id="did-it-help"', 1)[1].split("</section>", 1)[0]
    answer = section.split('<p class="answer">', 1)[1].split("</p>", 1)[0]
    # the judged figures lead (TTFT / queue wait better), not the load figures that merely changed
    assert answer.startswith("Against %s: " % os.path.basename(sweep["s4"])), answer
    first = answer.split(": ", 1)[1].split(", ")[0]
    assert first.endswith("(better)") and ("TTFT" in first or "queue wait" in first or "E2E" in first
                                           or "throughput" in first), answer
    inside = answer.split("inside TTFT / ITL, ", 1)[1]
    assert "TTFT part: queue wait, mean -" in inside and "(better)" in inside, answer
    assert "max_num_seqs 4 → 16" in section
