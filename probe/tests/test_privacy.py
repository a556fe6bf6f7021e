"""No prompt text and no token ids in any session file: the demo workload (vLLM's real
scheduler, KV cache manager and block pool on the CPU, under the probe) with recognisable
prompt text and token ids planted in every request, then every file of the session folder
(raw spools, exported CSV/JSON/TXT, the HTML report) searched for them."""
import glob
import json
import os
import subprocess

import pytest

from conftest import REPO, run_python

pytest.importorskip("vllm")
HERE = os.path.dirname(os.path.abspath(__file__))

PROMPT_TOKENS = [31337, 27182, 16180, 14142, 17320, 29989, 23581]
OUTPUT_TOKENS = [30011, 28657, 19937, 24601, 13331]
PROMPT_TEXT = "Tell me the secret of the quokka-zebra 7731"

DRIVER = """
import json, sys
sys.path.insert(0, %(tests)r)
sys.path.insert(0, %(demo)r)
import vllm_testbed as tb
import run_demo

PROMPT, OUTPUT, TEXT = %(prompt)r, %(output)r, %(text)r
unique = tb._unique_tokens
def planted_tail(rid, length):  # every request's own tokens start with the planted ids
    t = unique(rid, length)
    t[:len(PROMPT)] = PROMPT[:length]
    return t
tb._unique_tokens = planted_tail
prefix = tb.make_prefix
tb.make_prefix = lambda length, seed=0: (PROMPT + prefix(length, seed))[:length]
tb._fake_token = lambda rid, i: OUTPUT[i %% len(OUTPUT)]  # the "model" answers with planted ids

sched, first, add_at = run_demo.build()
reqs = first + [r for rs in add_at.values() for r in rs]
for r in reqs:
    r.sampling_params.stop = [TEXT]  # prompt-like text vLLM's request carries
    r.prompt = TEXT
seen = {"prompt": 0, "output": 0}
def on_step(info, scheduler):
    for req in scheduler.requests.values():
        if list(req.output_token_ids[:len(OUTPUT)]) == OUTPUT:
            seen["output"] += 1
result = tb.run(sched, first, on_step=on_step, add_at=add_at)
seen["prompt"] = sum(1 for r in reqs if PROMPT[0] in r.prompt_token_ids)
seen["requests"] = len(reqs)
seen["finished"] = result.summary()["finished"]
print("SEEN" + json.dumps(seen))
"""


def _needles(tokens):
    seqs = [tokens[:5], tokens[1:6]] if len(tokens) > 5 else [tokens]
    out = []
    for seq in seqs:
        out += [sep.join(map(str, seq)).encode() for sep in (",", ", ", " ", ";", "\t")]
        out += [b"".join(x.to_bytes(w, "little") for x in seq) for w in (2, 4, 8)]
    return out


def test_the_demo_sessions_files_hold_no_prompt_text_and_no_token_ids(tmp_path):
    code = DRIVER % {"tests": HERE, "demo": os.path.join(REPO, "demo"), "prompt": PROMPT_TOKENS,
                     "output": OUTPUT_TOKENS, "text": PROMPT_TEXT}
    r = run_python(code, {"VLLM_PROFILING_DIR": str(tmp_path / "prof")})
    assert r.returncode == 0, r.stderr[-3000:]
    seen = json.loads(r.stdout.split("SEEN")[-1])
    # the planted data really went through vLLM: every prompt, and the outputs it produced
    assert seen["prompt"] == seen["requests"] > 20 and seen["output"] > 0 and seen["finished"] == seen["requests"]
    sessions = glob.glob(str(tmp_path / "prof" / "session_*"))
    assert len(sessions) == 1
    session = sessions[0]
    pm = os.path.join(REPO, "profilemate")
    subprocess.run([pm, "export", session, "--quiet"], check=True, timeout=600)
    subprocess.run([pm, "report", session], check=True, timeout=600, capture_output=True)

    files = [p for p in glob.glob(session + "/**", recursive=True) if os.path.isfile(p)]
    names = {os.path.relpath(p, session) for p in files}
    assert any(n.startswith("raw/") and n.endswith(".pmspool") for n in names)
    assert {"metadata.json", "request_lifecycle.csv", "profile_report.html"} <= names
    needles = _needles(PROMPT_TOKENS) + _needles(OUTPUT_TOKENS)
    texts = [PROMPT_TEXT, "quokka-zebra", PROMPT_TEXT.replace(" ", "\\u0020")]
    for path in files:
        data = open(path, "rb").read()
        for n in needles:
            assert n not in data, "%s holds token ids %r" % (path, n)
        for t in texts:
            for enc in (t.encode("utf-8"), t.encode("utf-16-le")):
                assert enc not in data, "%s holds prompt text %r" % (path, t)
    # the search can find what is there: request ids are written, on purpose
    lifecycle = open(os.path.join(session, "request_lifecycle.csv")).read()
    assert "chat-0" in lifecycle and "burst-2000" in lifecycle
    assert b"chat-0" in open(glob.glob(session + "/raw/*.pmspool")[0], "rb").read()
