"""Two versions of the probe's scheduler-side hooks, measured against each other in one run.

Each git revision's probe package is unpacked to a temporary folder and imported under a name
of its own, so each version keeps its own module state and record layout. Its scheduler and
KV-cache and prefix-cache hooks (each revision's own targets) are then installed in turn, REPS times in alternating order, each time for
ROUNDS lockstep rounds of bench/scheduler_overhead.py (probe off, on, off again; scheduler
thread CPU time, and with the spool thread charged). Both versions' records go to one spool: only
the time counts here. Prints each version's overhead per repetition, their medians, and the median of the paired
differences (B minus A): running both in one process cancels most of the drift that moves
whole runs by half a point on this VM.

Usage: python bench/probe_ab.py REV_A REV_B [ROUNDS] [REPS] [WORKLOAD]   (under the vLLM venv;
ROUNDS 12, REPS 6, WORKLOAD demo unless given)
"""
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scheduler_overhead as so  # noqa: E402  (installs the probe, imports vLLM)
from profilemate_probe.patching import resolve, unwrap, wrap  # noqa: E402

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PROFILERS = ("scheduler", "kv_cache", "prefix_cache")


def load_revision(rev, into):
    """The revision's probe package, imported as pm_ab_<n>; returns its scheduler-side targets (a
    revision may hook other methods than another: each is installed with its own targets)."""
    folder = os.path.join(into, rev.replace("/", "_"))
    os.makedirs(folder)
    archive = subprocess.run(["git", "-C", REPO, "archive", rev, "probe/profilemate_probe"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    name = "pm_ab_%d" % len([m for m in sys.modules if m.startswith("pm_ab_") and "." not in m])
    path = os.path.join(folder, "probe", "profilemate_probe")
    spec = importlib.util.spec_from_file_location(name, os.path.join(path, "__init__.py"),
                                                  submodule_search_locations=[path])
    sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules[name])
    targets = []
    for profiler in PROFILERS:
        try:
            module = importlib.import_module("%s.targets.%s" % (name, profiler))
        except ImportError:
            continue  # a revision before that profiler
        if hasattr(module, "setup"):
            module.setup(so.probe.profilers[profiler])
        for t in module.TARGETS:
            try:
                resolve(t)
            except LookupError:
                continue  # not on this vLLM (an optional target)
            targets.append(t)
    return targets


def install(targets, everything):
    """The revision's hooks only: every scheduler-side hook of any version off first."""
    for t in everything:
        unwrap(t)
    for t in targets:
        wrap(t, so.probe.profilers[t.profiler])
    so.SCHED_TARGETS[:] = targets  # the probe-off arms bypass these


def overhead_pct(rounds, build):
    """(scheduler thread, with the spool thread) overhead in %, from scheduler_overhead's rounds."""
    s = so.summarize(rounds, *so.loop_overhead(rounds, build))
    return s["overhead_pct"], s["overhead_pct_with_spool_thread"]


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    rev_a, rev_b = sys.argv[1:3]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 6
    build = so.WORKLOADS[sys.argv[5] if len(sys.argv) > 5 else "demo"]
    import gc
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="pm-ab-") as tmp:
        versions = {"A": load_revision(rev_a, tmp), "B": load_revision(rev_b, tmp)}
        everything = list(so.ALL_SCHED_TARGETS) + versions["A"] + versions["B"]
        res = {"A": [], "B": []}
        print("load average %.2f %.2f %.2f" % os.getloadavg(), flush=True)
        for i in range(reps):
            for key in ("A", "B") if i % 2 == 0 else ("B", "A"):
                install(versions[key], everything)
                res[key].append(overhead_pct(rounds, build))
            print("rep %d: A %+.2f %% (%+.2f %% with the spool thread)  B %+.2f %% (%+.2f %%)"
                  % ((i,) + res["A"][-1] + res["B"][-1]), flush=True)
        install(so.ALL_SCHED_TARGETS, everything)
    for key, rev in (("A", rev_a), ("B", rev_b)):
        print("%s (%s): median %+.2f %%, with the spool thread %+.2f %%"
              % (key, rev, statistics.median(r[0] for r in res[key]), statistics.median(r[1] for r in res[key])))
    for i, what in ((0, "scheduler thread"), (1, "with the spool thread")):
        print("B - A, %s, median of paired differences: %+.2f points"
              % (what, statistics.median(b[i] - a[i] for a, b in zip(res["A"], res["B"]))))
    print("load average %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
