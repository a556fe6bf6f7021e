"""The prefix-cache explainer (issue 24 item 2) on the REAL vLLM scheduler and KV cache manager on
the CPU: a workload whose every miss is built on purpose (drive_prefix_cache.py: shared system
prompts, one that ends inside a block, a cache salt, a LoRA adapter, a request that skips the
cache, a burst that evicts every cached block, an image and prompt embeddings that differ, and
vLLM with prefix caching off) runs under the probe; the engine's export must give each request
the reason it was built with, and its hit blocks must add up to vLLM's own count."""
import csv
import glob
import json
import os
import subprocess

import pytest

from conftest import PROBE, REPO, run_python

vllm = pytest.importorskip("vllm")
HERE = os.path.dirname(os.path.abspath(__file__))
# the driver's names for what it built -> (miss_reason, mismatch) in prefix_cache_requests.csv
REASONS = {"salt_mismatch": ("extras_mismatch", "cache_salt"), "lora_mismatch": ("extras_mismatch", "lora"),
           "mm_mismatch": ("extras_mismatch", "mm"), "prompt_embeds_mismatch": ("extras_mismatch", "prompt_embeds")}


def _session(base, *args):
    truth = base / "truth.json"
    r = run_python(
        "import sys, runpy; sys.argv = ['drive', %r] + %r; sys.path.insert(0, %r); "
        "runpy.run_path(%r, run_name='__main__')" % (str(truth), list(args), HERE,
                                                     os.path.join(HERE, "drive_prefix_cache.py")),
        {"VLLM_PROFILING_DIR": str(base / "prof")})
    assert r.returncode == 0, r.stderr[-3000:]
    assert "disabled after a hook error" not in r.stderr, r.stderr[-3000:]
    session, = glob.glob(str(base / "prof" / "session_*"))
    subprocess.run([os.path.join(REPO, "profilemate"), "export", session, "--quiet"], check=True)
    with open(os.path.join(session, "prefix_cache_requests.csv"), newline="") as f:
        rows = {row["request_id"]: row for row in csv.DictReader(f)}
    with open(os.path.join(session, "prefix_cache_summary.json")) as f:
        summary = json.load(f)
    return session, json.loads(truth.read_text()), rows, summary


@pytest.fixture(scope="module")
def workload(tmp_path_factory):
    return _session(tmp_path_factory.mktemp("prefix"))


def test_every_miss_has_the_reason_it_was_built_with(workload):
    _, truth, rows, _ = workload
    assert set(rows) == set(truth["expected"])
    got = {rid: (row["miss_reason"], row["mismatch"]) for rid, row in rows.items()}
    want = {rid: REASONS.get(reason, (reason, "")) for rid, reason in truth["expected"].items()}
    assert got == want


def test_the_details_are_those_of_the_construction(workload):
    _, truth, rows, _ = workload
    bs = truth["block_size"]
    for rid, reason in truth["expected"].items():
        row = rows[rid]
        if reason == "misaligned":
            # the shared system prompt is 100 tokens: 6 whole blocks, then 4 tokens of the 7th
            assert (int(row["miss_block"]), int(row["shared_tokens"])) == (100 // bs, 100 % bs), row
        else:
            assert row["shared_tokens"] == "0", row
        if reason == "evicted":
            # evicted by the burst before it, after the earlier requests of its class had cached it
            assert float(row["evicted_ago_sec"]) > 0, row
            assert row["miss_block"] == "0"
        else:
            assert row["evicted_ago_sec"] == "", row
        if reason == "hit":
            assert row["hit_blocks"] == row["eligible_blocks"] != "0"
    # the same system prompt, the same class; the salted one is a class of its own
    assert len({rows[r]["class"] for r in ("a0-0", "a1-0", "a2-0", "a3-0", "k0-0")}) == 1
    assert rows["b0-0"]["class"] == rows["b1-0"]["class"] != rows["s0-0"]["class"] != rows["a0-0"]["class"]


def test_hit_blocks_add_up_to_vllms_own_prefix_cache_hits(workload):
    """vLLM counts the hit tokens of the requests it scheduled (PrefixCacheStats); the direct
    lookups of the multimodal and prompt-embeds requests were never scheduled."""
    _, truth, rows, summary = workload
    scheduled = [r for rid, r in rows.items() if rid[0] not in "me"]
    assert sum(int(r["hit_blocks"]) for r in scheduled) * truth["block_size"] == truth["vllm_hit_tokens"] > 0
    assert summary["requests"] == len(rows)
    assert summary["misses"] == {reason: sum(1 for r in rows.values() if r["miss_reason"] == reason)
                                 for reason in {r["miss_reason"] for r in rows.values()}}
    counted = [r for r in rows.values() if r["miss_reason"] != "caching_off"]
    assert summary["hit_blocks"] == sum(int(r["hit_blocks"]) for r in counted)
    assert summary["eligible_blocks"] == sum(int(r["eligible_blocks"]) for r in counted)
    for cls, c in summary["by_class"].items():
        mine = [r for r in rows.values() if (r["class"] or "none") == cls]
        assert c["requests"] == len(mine)


def test_the_spool_holds_no_salt_adapter_or_prompt(workload):
    session = workload[0]
    data = b"".join(open(p, "rb").read() for p in glob.glob(os.path.join(session, "raw", "*.pmspool")))
    assert b"prefix_cache" in data  # the profiler's status: the spool is the one written
    for secret in (b"tenant-7", b"adapter", b"image-one", b"image-two"):
        assert secret not in data


def test_with_prefix_caching_off_every_request_says_so(tmp_path):
    _, truth, rows, summary = _session(tmp_path, "off")
    assert {rid: r["miss_reason"] for rid, r in rows.items()} == truth["expected"]
    assert summary["eligible_blocks"] == 0 and summary["hit_rate_pct"] == 0


def test_the_probe_finds_the_longest_shared_prefix_of_a_block():
    """The probe's table alone: a block's tokens are compared by salted token hashes, exactly."""
    from profilemate_probe.targets import prefix_cache as pc
    table = pc._Table()
    base = list(range(100, 132))  # two blocks of 16 after parent b"p"
    table.feed([b"p", b"p2"], (), pc._token_hashes(base), 16, "r1")
    for shared in (1, 5, 15):
        other = base[:shared] + [9000 + i for i in range(16 - shared)]
        assert table.classify(b"p", (), pc._token_hashes(other), "r2", 16) == (pc.MISALIGNED, shared, 0)
    second = pc._token_hashes(base[16:20] + [7] * 12)
    assert table.classify(b"p2", (), second, "r2", 16) == (pc.MISALIGNED, 4, 0)
    assert table.classify(b"p", (), pc._token_hashes(base[:16]), "r2", 16) == (pc.SAME_BLOCK, 16, 0)
    assert table.classify(b"p", (), pc._token_hashes(base[:16]), "r1", 16) == (pc.NEVER_SEEN, 0, 0)  # itself
    assert table.classify(b"q", (), pc._token_hashes(base[:16]), "r2", 16) == (pc.NEVER_SEEN, 0, 0)
    assert table.classify(b"p", (("lora", 1),), pc._token_hashes(base[:16]), "r2", 16) == (pc.EXTRAS, 16, 2)
    assert table.classify(b"p", (), pc._token_hashes([7] + base[1:16]), "r2", 16) == (pc.NEVER_SEEN, 0, 0)
    # first blocks: the closest of the extras seen there (a salted one vs an adapter's)
    table.feed([b""], (("cache_salt", 1),), pc._token_hashes(base[:16]), 16, "r3", (("cache_salt", 1),))
    table.feed([b""], (), pc._token_hashes(base[:16]), 16, "r4", ())
    lora = (("lora", 5),)
    assert table.classify(b"", lora, pc._token_hashes(base[:16]), "r5", 16) == (pc.EXTRAS, 16, 2)
