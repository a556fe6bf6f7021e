#!/usr/bin/env python3
"""Rewrites the README's demo figures (the block between <!-- figures:begin --> and
<!-- figures:end -->) from a real demo run, so no figure in it is typed by hand.

    python3 scripts/readme_figures.py                     # runs ./profilemate demo, rewrites README.md
    python3 scripts/readme_figures.py --session DIR --log FILE   # from a demo already run (its stdout+stderr)
    python3 scripts/readme_figures.py --check             # exit 1 when the README's block differs

The figures are read from the demo's own output lines and the session files it wrote
(docs/session-files.md says what each is); the count reconciliation line is computed here and
says so when the counts do not add up. Standard library only.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
BEGIN = "<!-- figures:begin (scripts/readme_figures.py writes this block; do not edit) -->"
END = "<!-- figures:end -->"
SHOWN_OUT = "/tmp/pm-demo"  # the --out the README shows, whatever folder the run used
# kv_cache_summary.txt lines the README shows (labels as the engine writes them)
KV_LINES = ("total KV blocks", "mean usage (%)", "peak usage (%)", "cached blocks evicted", "preemptions",
            "block lifetime at eviction (s)")


def run_demo(out):
    """./profilemate demo --out OUT: its session folder and its output (stdout, then stderr)."""
    r = subprocess.run([os.path.join(ROOT, "profilemate"), "demo", "--out", out], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("readme_figures: the demo failed (exit %d):\n%s" % (r.returncode, r.stderr[-3000:]))
    return _session_of(r.stdout), r.stdout + r.stderr


def _session_of(log):
    m = re.search(r"^demo session: (\S+) \(", log, re.M)
    if not m:
        sys.exit("readme_figures: no 'demo session:' line in the demo's output")
    return m.group(1)


def figures(session, log):
    """Everything the block shows, from the demo's output lines and its session files."""
    def line(prefix):
        m = re.search(r"^(%s.*)$" % re.escape(prefix), log, re.M)
        if not m:
            sys.exit("readme_figures: no %r line in the demo's output" % prefix)
        return m.group(1)

    def load(name):
        with open(os.path.join(session, name)) as f:
            return json.load(f)

    with open(os.path.join(session, "kv_cache_summary.txt")) as f:
        kv = {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in f if ":" in ln)}
    with open(os.path.join(session, "request_lifecycle.csv"), newline="") as f:
        requests = list(csv.DictReader(f))
    batch = load("batch_utilization_summary.json")
    preemption = load("preemption_summary.json")
    meta = load("metadata.json")
    return {
        "loaded": line("[sitecustomize] vLLM Comprehensive Instrumentation Loaded"),
        "demo": line("demo: "),
        "session": line("demo session: "),
        "report": line("report: ") if re.search(r"^report: ", log, re.M) else None,
        "out": os.path.dirname(session.rstrip("/")),
        "kv": [(k, kv[k]) for k in KV_LINES],
        "decode_tokens": batch["decode_tokens"],
        "prefills": sum(1 for r in requests if r["first_token_sec"]),
        "recomputations": preemption["resumes"],
        "output_tokens": sum(int(r["num_output_tokens"]) for r in requests),
        "num_gpu_blocks": meta["engine"].get("num_gpu_blocks"),
        "total_blocks": int(kv["total KV blocks"]),
        "records": meta["session"]["records"],
    }


def render(f):
    """The block, README paths shown as SHOWN_OUT."""
    def shown(text):
        return text.replace(f["out"], SHOWN_OUT)

    adds_up = f["decode_tokens"] + f["prefills"] + f["recomputations"] == f["output_tokens"]
    lines = [BEGIN, "```", "$ ./profilemate demo --out %s" % SHOWN_OUT, shown(f["loaded"]), f["demo"],
             shown(f["session"])]
    if f["report"]:
        lines.append(shown(f["report"]))
    lines += ["", "$ cat %s/session_*/kv_cache_summary.txt   # excerpt" % SHOWN_OUT]
    lines += ["%-28s %s" % (k + ":", v) for k, v in f["kv"]]
    lines += ["```", "",
              "Counts that must add up, computed by `scripts/readme_figures.py` from the same session: "
              "output tokens %s %s decode tokens %s + finished prefills %s + finished recomputations after a "
              "preemption %s (each prefill and recomputation samples one output token in a prefill step); "
              "usable KV blocks %s = vLLM's num_gpu_blocks %s − 1 (BlockPool's null block). "
              "docs/session-files.md says what every column means."
              % (_n(f["output_tokens"]), "=" if adds_up else "≠ (they should add up: a bug)",
                 _n(f["decode_tokens"]), _n(f["prefills"]), _n(f["recomputations"]), _n(f["total_blocks"]),
                 _n(f["num_gpu_blocks"])),
              END]
    return "\n".join(lines)


def _n(v):
    return "n/a" if v is None else "{:,}".format(v)


def rewrite(text, block):
    """text with its figures block replaced; the markers must be there once each."""
    start = text.find(BEGIN)
    end = text.find(END)
    if start < 0 or end < start or text.count(BEGIN) != 1 or text.count(END) != 1:
        raise ValueError("README.md needs one %r ... %r block" % (BEGIN, END))
    return text[:start] + block + text[end + len(END):]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--session", help="a demo session folder (with --log)")
    ap.add_argument("--log", help="the demo's stdout and stderr, in a file")
    ap.add_argument("--readme", default=README)
    ap.add_argument("--check", action="store_true", help="only compare; exit 1 when the block differs")
    a = ap.parse_args(argv)
    if a.session:
        with open(a.log) as f:
            session, log = a.session, f.read()
    else:
        session, log = run_demo(tempfile.mkdtemp(prefix="pm-demo-"))
    with open(a.readme) as f:
        text = f.read()
    new = rewrite(text, render(figures(session, log)))
    if a.check:
        return 0 if new == text else 1
    with open(a.readme, "w") as f:
        f.write(new)
    print("readme_figures: %s rewritten from %s" % (a.readme, session))
    return 0


if __name__ == "__main__":
    sys.exit(main())
