"""vLLM's own scheduler and KV-cache tests, probe off and probe on: the outcomes must be identical.

Run it with the pinned vLLM venv's python (scripts/vllm_core_tests.sh does). It
1. fetches the pinned release's source archive (sdist) from PyPI, its sha256 checked against the
   hash PyPI publishes, cached under ${PROFILEMATE_CACHE:-~/.cache/profilemate}, and extracts only
   the test files the chosen tests import; `vllm` itself stays the installed package;
2. runs the chosen test files twice with pytest (JUnit XML): VLLM_ENABLE_PROFILING=0, then =1
   (a private VLLM_PROFILING_DIR), PYTHONPATH holding the probe both times: the switch is the only
   difference;
3. compares every test's outcome by node id (one line per difference, exit 1), checks that the
   probe-on run really ran the probe (its startup line, attached targets, spool files holding
   scheduler_step records) and that the probe-off run did not, and prints a summary.

Tests that fail or error without the probe (they need a GPU or a Hub model we have no copy of)
are not hidden: they are listed from the probe-off run and must fail the same way with it on.
"""
import argparse
import collections
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PROBE = os.path.join(REPO, "probe")

# The subset (see README "Tests and benchmarks" and bench/results/vllm_core_tests.txt for why).
DEFAULT_TESTS = [
    "tests/v1/core/test_scheduler.py",
    "tests/v1/core/test_async_scheduler.py",
    "tests/v1/core/test_prefix_caching.py",
    "tests/v1/core/test_kv_cache_utils.py",
    "tests/v1/core/test_single_type_kv_cache_manager.py",
]
# What those tests import besides tests/v1/core, and the pytest configuration (pyproject.toml).
SUPPORT_FILES = [
    "pyproject.toml",
    "requirements/test/cpu.txt",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/ci_envs.py",
    "tests/utils.py",
    "tests/models/__init__.py",
    "tests/models/utils.py",
    "tests/models/registry.py",
    "tests/v1/__init__.py",
    "tests/v1/utils.py",
    "tests/v1/kv_connector/__init__.py",
    "tests/v1/kv_connector/unit/__init__.py",
    "tests/v1/kv_connector/unit/utils.py",
]
SUPPORT_DIRS = ["tests/v1/core/"]
STARTUP_LINE = "[sitecustomize] vLLM Comprehensive Instrumentation Loaded"

# tests/v1/core/utils.py builds its Schedulers from the Hub's facebook/opt-125m (ModelConfig reads
# its config.json only; no tokenizer or weights). There is no Hub here, so the runs get an offline
# Hub cache holding that file, with the values the Hub publishes; the Hub is never contacted
# (HF_HUB_OFFLINE=1). Tests of other Hub models fail the same way on and off.
OPT_125M_CONFIG = {
    "_name_or_path": "facebook/opt-125m", "_remove_final_layer_norm": False,
    "activation_dropout": 0.0, "activation_function": "relu", "architectures": ["OPTForCausalLM"],
    "attention_dropout": 0.0, "bos_token_id": 2, "do_layer_norm_before": True, "dropout": 0.1,
    "eos_token_id": 2, "ffn_dim": 3072, "hidden_size": 768, "init_std": 0.02, "layerdrop": 0.0,
    "max_position_embeddings": 2048, "model_type": "opt", "num_attention_heads": 12,
    "num_hidden_layers": 12, "pad_token_id": 1, "prefix": "</s>", "torch_dtype": "float16",
    "transformers_version": "4.21.0.dev0", "use_cache": True, "vocab_size": 50272,
    "word_embed_proj_dim": 768,
}


def log(msg):
    print("vllm_core_tests: " + msg, flush=True)


# ---------------------------------------------------------------- 1. the sdist and its tests

def pypi_sdist(version, timeout=60):
    """(url, sha256) of vllm-VERSION.tar.gz from PyPI's simple API (PEP 691 JSON)."""
    index = os.environ.get("PROFILEMATE_PYPI_SIMPLE", "https://pypi.org/simple").rstrip("/")
    req = urllib.request.Request(index + "/vllm/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        doc = json.load(r)
    name = "vllm-%s.tar.gz" % version
    for f in doc.get("files", []):
        if f.get("filename") == name:
            sha = f.get("hashes", {}).get("sha256")
            if not sha:
                raise RuntimeError("PyPI publishes no sha256 for %s" % name)
            return f["url"], sha
    raise RuntimeError("PyPI lists no %s" % name)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_sdist(version, cache):
    """The verified sdist's path. Downloaded once; the cached copy is checked against PyPI's hash
    on every run (or, with PyPI out of reach, against the hash PyPI gave when it was fetched)."""
    folder = os.path.join(cache, "sdist")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "vllm-%s.tar.gz" % version)
    stamp = path + ".sha256"
    try:
        url, want = pypi_sdist(version)
        source = "PyPI"
    except Exception as exc:
        if not (os.path.exists(path) and os.path.exists(stamp)):
            raise SystemExit("vllm_core_tests: cannot reach PyPI for the vllm %s sdist's hash: %s" % (version, exc))
        url, want = None, open(stamp).read().split()[0]
        source = "the hash PyPI gave when it was downloaded (PyPI unreachable now: %s)" % exc
    if os.path.exists(path) and sha256_of(path) == want:
        log("sdist %s (cached), sha256 %s matches %s" % (path, want, source))
        return path, want
    if url is None:
        raise SystemExit("vllm_core_tests: the cached sdist does not match its hash and PyPI is out of reach")
    log("downloading %s" % url)
    tmp = path + ".part"
    with urllib.request.urlopen(url, timeout=300) as r, open(tmp, "wb") as f:
        shutil.copyfileobj(r, f, 1 << 20)
    got = sha256_of(tmp)
    if got != want:
        os.unlink(tmp)
        raise SystemExit("vllm_core_tests: sha256 mismatch for %s: got %s, PyPI publishes %s" % (url, got, want))
    os.replace(tmp, path)
    with open(stamp, "w") as f:
        f.write("%s  %s\n" % (want, os.path.basename(path)))
    log("sdist %s, sha256 %s matches PyPI" % (path, want))
    return path, want


def extract_tests(sdist, version, sha, cache):
    """Extracts SUPPORT_FILES and SUPPORT_DIRS (never vllm/ itself) into a cached folder."""
    dest = os.path.join(cache, "vllm-tests-%s" % version)
    marker = os.path.join(dest, ".extracted")
    if os.path.exists(marker) and open(marker).read().strip() == sha:
        return dest
    prefix = "vllm-%s/" % version
    tmp = tempfile.mkdtemp(prefix=".vllm-tests-", dir=cache)
    with tarfile.open(sdist, "r:gz") as tar:
        members = []
        for m in tar.getmembers():
            if not m.name.startswith(prefix) or not m.isfile():
                continue
            rel = m.name[len(prefix):]
            if rel in SUPPORT_FILES or any(rel.startswith(d) for d in SUPPORT_DIRS):
                m.name = rel
                members.append(m)
        missing = [f for f in SUPPORT_FILES if f not in {m.name for m in members}]
        if missing:
            raise SystemExit("vllm_core_tests: the sdist lacks %s" % ", ".join(missing))
        tar.extractall(tmp, members=members, filter="data")
    with open(os.path.join(tmp, ".extracted"), "w") as f:
        f.write(sha + "\n")
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.replace(tmp, dest)
    log("extracted %d test files to %s" % (len(members), dest))
    return dest


def ensure_test_deps(tests_root):
    """tests/conftest.py imports tblib, which vllm does not depend on: installed into the venv
    at the version vLLM's own CPU test requirements pin, only when missing."""
    try:
        import tblib  # noqa: F401
        return []
    except ImportError:
        pass
    pin = "tblib"
    with open(os.path.join(tests_root, "requirements/test/cpu.txt")) as f:
        m = re.search(r"^tblib==(\S+)", f.read(), re.M)
    if m:
        pin = "tblib==" + m.group(1)
    log("installing %s into %s (imported by vLLM's tests/conftest.py)" % (pin, sys.prefix))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", pin], check=True)
    return [pin]


# ---------------------------------------------------------------- 2. the two runs

def write_hub_cache(hf_home):
    snap = "0" * 40
    repo = os.path.join(hf_home, "hub", "models--facebook--opt-125m")
    os.makedirs(os.path.join(repo, "refs"), exist_ok=True)
    os.makedirs(os.path.join(repo, "snapshots", snap), exist_ok=True)
    with open(os.path.join(repo, "refs", "main"), "w") as f:
        f.write(snap)
    with open(os.path.join(repo, "snapshots", snap, "config.json"), "w") as f:
        json.dump(OPT_125M_CONFIG, f, indent=2)


def run_pytest(name, probe_on, tests_root, tests, work, extra_args):
    """One pytest run in a folder of its own. Returns its record (outcomes, times, logs)."""
    d = os.path.join(work, name)
    os.makedirs(d)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VLLM_", "PROFILEMATE_", "HF_", "TRANSFORMERS_")) and k != "PYTHONPATH"}
    env.update({
        "PYTHONPATH": os.pathsep.join([PROBE, HERE]),
        "VLLM_ENABLE_PROFILING": "1" if probe_on else "0",
        "PROFILEMATE_SIDECAR": "0",  # no Java collector beside the tests
        "VLLM_TARGET_DEVICE": "cpu",  # the PyPI wheel detects no platform on a machine without a GPU
        "VLLM_CACHE_ROOT": os.path.join(d, "vllm-cache"),  # each run starts cold, neither warms the other
        "HF_HOME": os.path.join(work, "hf"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PROFILEMATE_CORE_TESTS_REPORT": os.path.join(d, "report.json"),
    })
    if probe_on:
        env["VLLM_PROFILING_DIR"] = os.path.join(d, "profiling")
    junit = os.path.join(d, "junit.xml")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "vllm_core_tests_plugin",
           "--rootdir", tests_root, "--junitxml", junit, "-o", "junit_family=xunit1"] + extra_args + \
          [os.path.join(tests_root, t) for t in tests]
    cwd = os.path.join(d, "cwd")  # some tests write relative paths (the example KV connector's storage)
    os.makedirs(cwd)
    log("%s run: VLLM_ENABLE_PROFILING=%s, %d file(s) ..." % (name, env["VLLM_ENABLE_PROFILING"], len(tests)))
    t0 = time.monotonic()
    with open(os.path.join(d, "stdout.txt"), "w") as out, open(os.path.join(d, "stderr.txt"), "w") as err:
        rc = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=err).returncode
    seconds = time.monotonic() - t0
    with open(os.path.join(d, "stdout.txt")) as f:
        tail = f.read().strip().splitlines()[-1:] or ["(no output)"]
    log("%s run: pytest exit %d in %.0f s: %s" % (name, rc, seconds, tail[0]))
    messages = {}
    outcomes = read_junit(junit, messages) if os.path.exists(junit) else {}
    with open(os.path.join(d, "stderr.txt"), errors="replace") as f:
        stderr = f.read()
    report = {}
    if os.path.exists(env["PROFILEMATE_CORE_TESTS_REPORT"]):
        with open(env["PROFILEMATE_CORE_TESTS_REPORT"]) as f:
            report = json.load(f)
    return {"name": name, "dir": d, "rc": rc, "seconds": seconds, "outcomes": outcomes, "messages": messages,
            "startup_lines": stderr.count(STARTUP_LINE), "report": report,
            "profiling_dir": env.get("VLLM_PROFILING_DIR")}


def read_junit(path, messages=None):
    """{node id: outcome} with outcome passed, failed, error, skipped or xfailed; the failures'
    and errors' messages go into `messages` when given."""
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        if classname:
            parts = classname.split(".")
            # tests.v1.core.test_x[.TestClass] -> tests/v1/core/test_x.py[::TestClass]
            i = next((k for k in range(len(parts), 0, -1)
                      if parts[k - 1].startswith("test")), len(parts))
            node = "/".join(parts[:i]) + ".py" + "".join("::" + p for p in parts[i:]) + "::" + name
        else:
            node = name  # a collection error: the module's name
        kinds = [child.tag for child in case]
        skipped = case.find("skipped")
        if "error" in kinds:
            outcome = "error"
        elif "failure" in kinds:
            outcome = "failed"
        elif skipped is not None:
            outcome = "xfailed" if skipped.get("type") == "pytest.xfail" else "skipped"
        else:
            outcome = "passed"
        key, n = node, 1
        while key in out:  # never let two cases share a key silently
            n += 1
            key = "%s#%d" % (node, n)
        out[key] = outcome
        if messages is not None and outcome in ("failed", "error"):
            bad = case.find("error") if outcome == "error" else case.find("failure")
            messages[key] = (bad.get("message") or bad.text or "").strip()
    return out


def failure_reason(message):
    """A failing test's reason, in short: Hub models we have no copy of are named."""
    m = re.search(r"Invalid repository ID or local directory specified: '([^']+)'", message)
    if m:
        return "needs the Hub model %s (no copy offline)" % m.group(1)
    if "LocalEntryNotFoundError" in message:
        return "needs Hub files (no copy offline)"
    m = re.search(r"Value error, ([^\n\[]+)", message)
    if m:
        return m.group(1).strip()[:160]
    lines = [l for l in message.splitlines() if l.strip()]
    return (lines[0] if lines else "(no message)")[:160]


# ---------------------------------------------------------------- 3. the checks

def spool_summary(profiling_dir):
    """Sessions, spool files, bytes and records by type under a VLLM_PROFILING_DIR."""
    sys.path.insert(0, PROBE)
    from profilemate_probe import spool
    names = {rec.type_id: rec.name for rec in spool.RECORDS.values()}
    names[spool.METADATA_TYPE] = "metadata"
    files, size, counts, bad = [], 0, collections.Counter(), 0
    sessions = sorted(os.listdir(profiling_dir)) if os.path.isdir(profiling_dir) else []
    for s in sessions:
        raw = os.path.join(profiling_dir, s, "raw")
        for fn in sorted(os.listdir(raw)) if os.path.isdir(raw) else []:
            if not fn.endswith(".pmspool"):
                continue
            path = os.path.join(raw, fn)
            files.append(path)
            with open(path, "rb") as f:
                data = f.read()
            size += len(data)
            pos = 0
            while pos + spool.CHUNK_HEADER.size <= len(data):
                header = spool.CHUNK_HEADER.unpack_from(data, pos)
                start, end = pos + spool.CHUNK_HEADER.size, pos + spool.CHUNK_HEADER.size + header[5]
                if header[0] != spool.MAGIC or end > len(data):
                    bad += 1
                    break
                while start < end:
                    n, type_id = spool.RECORD_HEADER.unpack_from(data, start)
                    counts[names.get(type_id, "type_%d" % type_id)] += 1
                    start += spool.RECORD_HEADER.size + n
                pos = end
    return {"sessions": sessions, "files": files, "bytes": size, "records": counts, "bad_chunks": bad}


def diff_outcomes(off, on):
    """One line per test whose outcome differs (a test missing from one run included)."""
    lines = []
    for node in sorted(set(off) | set(on)):
        a, b = off.get(node, "absent"), on.get(node, "absent")
        if a != b:
            lines.append("DIFFERS %s: probe off %s, probe on %s" % (node, a, b))
    return lines


def counts_line(outcomes):
    c = collections.Counter(outcomes.values())
    return ", ".join("%d %s" % (c[k], k) for k in ("passed", "skipped", "xfailed", "failed", "error") if c[k])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tests", nargs="+", default=DEFAULT_TESTS,
                    help="test files or node ids, relative to the sdist root (default: the subset)")
    ap.add_argument("--keep", action="store_true", help="keep the runs' folder (logs, JUnit XML, spools)")
    ap.add_argument("--list-failing", action="store_true", help="name every test that fails without the probe")
    ap.add_argument("pytest_args", nargs="*", help="more pytest arguments, after --")
    args = ap.parse_args(argv)

    version = open(os.path.join(HERE, "vllm-version")).read().strip()
    cache = os.environ.get("PROFILEMATE_CACHE") or os.path.expanduser("~/.cache/profilemate")
    import vllm  # the installed package, the one the tests must import
    if not vllm.__version__.startswith(version):
        raise SystemExit("vllm_core_tests: this python has vllm %s, the pin is %s" % (vllm.__version__, version))
    sdist, sha = fetch_sdist(version, cache)
    tests_root = extract_tests(sdist, version, sha, cache)
    if os.path.exists(os.path.join(tests_root, "vllm")):
        raise SystemExit("vllm_core_tests: %s holds a vllm/ source tree; the tests must import the installed one" % tests_root)
    installed = ensure_test_deps(tests_root)

    work = tempfile.mkdtemp(prefix="profilemate-vllm-core-tests-")
    write_hub_cache(os.path.join(work, "hf"))
    off = run_pytest("off", False, tests_root, args.tests, work, args.pytest_args)
    on = run_pytest("on", True, tests_root, args.tests, work, args.pytest_args)

    problems = []
    site = os.path.dirname(os.path.dirname(os.path.abspath(vllm.__file__)))
    for run in (off, on):
        f = run["report"].get("vllm_file")
        if not f or not os.path.abspath(f).startswith(site + os.sep):
            problems.append("%s run: vllm came from %s, not the installed package under %s" % (run["name"], f, site))
        if not run["outcomes"]:
            problems.append("%s run: no test outcomes (pytest exit %d; see %s)" % (run["name"], run["rc"], run["dir"]))
    diffs = diff_outcomes(off["outcomes"], on["outcomes"])
    # 3b. the probe ran in the on run only, and hooked the schedulers the tests built
    if off["startup_lines"] or off["report"].get("probe_running"):
        problems.append("off run: the probe started (VLLM_ENABLE_PROFILING=0 ignored)")
    if on["startup_lines"] < 1:
        problems.append("on run: no probe startup line on stderr")
    if not on["report"].get("probe_running"):
        problems.append("on run: the probe was not running in the pytest process")
    spools = spool_summary(on["profiling_dir"])
    steps = spools["records"].get("scheduler_step_v3", 0)
    if not spools["files"] or not steps:
        problems.append("on run: no scheduler_step_v3 records in %s (%d spool files; do the chosen tests "
                        "schedule with a Scheduler?)" % (on["profiling_dir"], len(spools["files"])))
    if spools["bad_chunks"]:
        problems.append("on run: %d spool file(s) end in a damaged chunk" % spools["bad_chunks"])

    not_passing = sorted(n for n, o in off["outcomes"].items() if o in ("failed", "error"))
    print()
    print("vLLM %s (installed: %s), tests from %s" % (vllm.__version__, os.path.dirname(vllm.__file__), os.path.basename(sdist)))
    print("sha256 %s (PyPI)%s" % (sha, "; installed for the tests: " + ", ".join(installed) if installed else ""))
    print("files: %s" % " ".join(args.tests))
    print("probe off: %s in %.0f s" % (counts_line(off["outcomes"]), off["seconds"]))
    print("probe on:  %s in %.0f s" % (counts_line(on["outcomes"]), on["seconds"]))
    print("probe on: startup line x%d; %d attached targets; session(s) %s: %d spool file(s), %d bytes, "
          "%d scheduler_step_v3, %d scheduler_limits (one per scheduler that scheduled), %d records in all"
          % (on["startup_lines"], len(on["report"].get("attached_targets", [])), ", ".join(spools["sessions"]) or "none",
             len(spools["files"]), spools["bytes"], steps, spools["records"].get("scheduler_limits", 0),
             sum(spools["records"].values())))
    print("probe on: records by type: %s" % ", ".join("%s %d" % kv for kv in sorted(spools["records"].items())))
    if not_passing:
        print("failing or erroring without the probe (recorded; compared like the rest): %d" % len(not_passing))
        by_reason = collections.defaultdict(list)
        for n in not_passing:
            by_reason[failure_reason(off["messages"].get(n, ""))].append(n)
        for reason, nodes in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            files = collections.Counter(n.split("::")[0].rsplit("/", 1)[-1] for n in nodes)
            print("  %d %s: %s" % (len(nodes), reason, ", ".join("%s %d" % kv for kv in sorted(files.items()))))
            if not reason.startswith("needs") or args.list_failing:
                for n in nodes:
                    print("    off %s: %s" % (off["outcomes"][n], n))
    for line in diffs:
        print(line)
    for line in problems:
        print("PROBLEM " + line)
    ok = not diffs and not problems
    if ok:
        print("identical on/off: %d tests" % len(off["outcomes"]))
    if ok and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("runs kept in %s" % work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
