"""Fault injection against real vLLM: the cases, their runner and their checks, in one place.

probe/tests/test_faults.py asserts the checks; scripts/reliability.py writes the table of
docs/reliability.md from the same rows. Every case runs the demo's workload (the embedded
default of `profilemate demo`: shared prefixes with evictions, chunked prefill, a burst that
preempts) on vLLM's real scheduler and KV cache manager with one fault, and is checked for:

 (a) vLLM's scheduler outputs at every step identical to a probe-off run's;
 (b) the probe's log lines: one, saying what happened (none where the process cannot speak);
 (c) only the affected profiler disabled: its targets "disabled" in metadata.json, every other
     profiler's records as many as in an unfaulted run's;
 (d) every record on disk in the export, and records handed to the spool writer = records on
     disk + records the probe counted lost (exactly, from its log line and its writer).

Runs: a probe-off run and an unfaulted probe-on run, each in a fresh interpreter (the probe
started by sitecustomize at `import vllm`, as users run it), and the cases in children forked
from one zygote that imported vLLM with the probe off; each child turns the probe on as
sitecustomize does under VLLM_ENABLE_PROFILING=1 (vLLM already imported) before it builds the
scheduler. The unfaulted child must write exactly the fresh run's records (checked).
"""
import concurrent.futures
import glob
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.dirname(HERE)
REPO = os.path.dirname(PROBE)
DRIVER = os.path.join(HERE, "drive_faults.py")
LAUNCHER = os.path.join(REPO, "profilemate")
TARGETS_DIR = os.path.join(PROBE, "profilemate_probe", "targets")

CHUNK = struct.Struct("<4sBBBBIIIIq")
RECORD = struct.Struct("<IH")
LOG_PREFIX = "[profilemate]"

# the fixed cases after the hook cases, in table order: (name, what is done)
FIXED = (
    ("unwritable", "VLLM_PROFILING_DIR on a read-only tmpfs: no session folder can be made"),
    ("unwritable_parent_is_file", "VLLM_PROFILING_DIR below a regular file (no mount needed)"),
    ("session_readonly", "the session folder (joined through PROFILEMATE_SESSION_DIR, as vLLM's child "
                         "processes join it) on a read-only tmpfs: no spool can be created"),
    ("disk_full", "VLLM_PROFILING_DIR on a %s tmpfs that the spool fills mid-run"),
    ("sigkill", "vLLM's process SIGKILLed mid-run, its spool writer active"),
    ("collector_killed", "the `profilemate collect` process the probe started beside vLLM SIGKILLed mid-run"),
)
# record types the run-to-run comparisons leave out: profiler_status (left out before issue 25), and the
# spool thread's clock anchors, which come every VLLM_PROFILING_ANCHOR_SECONDS of the run's own length
TIMED = ("profiler_status", "clock_anchor")
DISK_FULL_SIZE = "40k"  # the demo's spool is ~83 kB: the disk fills about half-way


# -- spools ------------------------------------------------------------------------------------

def _names_by_id():
    with open(os.path.join(PROBE, "profilemate_probe", "records.json")) as f:
        return {r["id"]: r["name"] for r in json.load(f)["records"]}


def record_profilers():
    """record name -> the profiler(s) whose module makes it, "+"-joined, read from the target
    modules' sources (packer("x"), StringRecord("x"), emit("x", ...)); the probe's own records
    are its own. (engine_config_v2 comes from two profilers: scheduler and forward_pass.)"""
    made = {}
    for path in sorted(glob.glob(os.path.join(TARGETS_DIR, "*.py"))):
        src = open(path).read()
        m = re.search(r'^PROFILER = "(\w+)"', src, re.M)
        if not m:
            continue
        for name in re.findall(r'(?:packer|StringRecord)\("(\w+)"\)|emit\("(\w+)"', src):
            made.setdefault(name[0] or name[1], set()).add(m.group(1))
    out = {name: "+".join(sorted(profs)) for name, profs in made.items()}
    out.update({"profiler_status": "(probe)", "records_lost": "(spool)", "clock_anchor": "(spool)"})
    return out


def read_spool(path):
    """What a spool holds: records by type in chunks committed and whole (state 0x01, CRC
    right), and what else is there (a torn or uncommitted tail)."""
    names = _names_by_id()
    data = open(path, "rb").read()
    pos, counts, chunks, tail = 0, {}, 0, None
    while pos < len(data):
        if len(data) - pos < CHUNK.size:
            tail = "%d bytes, less than a chunk header" % (len(data) - pos)
            break
        magic, _major, _minor, state, _flags, size, crc, _seq, count, _t = CHUNK.unpack_from(data, pos)
        start, end = pos + CHUNK.size, pos + CHUNK.size + size
        if magic != b"PMSP" or end > len(data) or state != 0x01 or zlib.crc32(data[start:end]) & 0xFFFFFFFF != crc:
            tail = "chunk %d not committed whole (state 0x%02x, %d of %d payload bytes)" % (
                chunks, state, min(size, len(data) - start), size)
            break
        at = start
        for _ in range(count):
            n, type_id = RECORD.unpack_from(data, at)
            name = "metadata" if type_id == 0 else names.get(type_id, "type_%d" % type_id)
            counts[name] = counts.get(name, 0) + 1
            at += RECORD.size + n
        chunks += 1
        pos = end
    return {"bytes": len(data), "chunks": chunks, "counts": counts, "tail": tail}


def session_spools(session):
    """Every spool of a session, read; and the totals: records the engine reads (all but the
    metadata record) and data records (also less the writer's own records_lost and clock_anchor)."""
    spools = [read_spool(p) for p in sorted(glob.glob(os.path.join(session, "raw", "*.pmspool")))]
    counts = {}
    for s in spools:
        for k, v in s["counts"].items():
            counts[k] = counts.get(k, 0) + v
    readable = sum(v for k, v in counts.items() if k != "metadata")
    return {"spools": spools, "counts": counts, "records": readable,
            "data": readable - counts.get("records_lost", 0) - counts.get("clock_anchor", 0)}


# -- processes -----------------------------------------------------------------------------------

def base_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VLLM_", "PROFILEMATE_", "ENABLE_")) and k != "PYTHONPATH"}
    env.update({"PYTHONPATH": PROBE, "PROFILEMATE_SIDECAR": "0", "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


def namespace_prefix():
    """How the zygote gets to mount tmpfs: a private mount namespace as root (nothing leaks into
    the host's mounts), else a user+mount namespace, else none (tmpfs cases are then skipped)."""
    if not shutil.which("unshare") or not shutil.which("mount"):
        return None, "no unshare or mount command"
    check = 'd=$(mktemp -d) && mount -t tmpfs -o size=4k tmpfs "$d" && umount "$d" && rmdir "$d"'
    reasons = []
    for prefix in (["unshare", "-m", "--propagation", "private"], ["unshare", "-Urm", "--propagation", "private"]):
        try:
            r = subprocess.run(prefix + ["sh", "-c", check], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            reasons.append("%s: %s" % (" ".join(prefix[:2]), exc))
            continue
        if r.returncode == 0:
            return prefix, None
        reasons.append("%s: %s" % (" ".join(prefix[:2]), (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1]))
    return None, "cannot mount a tmpfs here (%s)" % "; ".join(reasons)


class Zygote:
    """drive_faults.py zygote: forks a child per case; talks JSON lines over its stdin/stdout."""

    def __init__(self, python, work, prefix):
        self.log = open(os.path.join(work, "zygote.stderr.txt"), "w")
        cmd = (prefix + [python, DRIVER, "zygote", "--mounts"]) if prefix else [python, DRIVER, "zygote"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     env=base_env({"VLLM_ENABLE_PROFILING": "0"}), cwd=work)
        self._lock = threading.Lock()
        self._waiting = {}  # id -> {"started": Event, "exited": Event, msgs}
        self._next = 0
        self.ready = threading.Event()
        self.hello = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("event") == "ready":
                self.hello = msg
                self.ready.set()
                continue
            slot = self._waiting.get(msg.get("id"))
            if slot is None:
                continue
            slot[msg["event"]] = msg
            if msg["event"] in ("started", "error"):
                slot["started_ev"].set()
            if msg["event"] in ("exit", "error"):
                slot["exited_ev"].set()
        self.ready.set()
        for slot in self._waiting.values():  # the zygote died: nobody waits forever
            slot["started_ev"].set()
            slot["exited_ev"].set()

    def submit(self, spec, mount=None, copy_to=None):
        with self._lock:
            self._next += 1
            rid = self._next
            slot = self._waiting[rid] = {"started_ev": threading.Event(), "exited_ev": threading.Event()}
            self.proc.stdin.write((json.dumps({"id": rid, "spec": spec, "mount": mount, "copy_to": copy_to}) + "\n")
                                  .encode())
            self.proc.stdin.flush()
        return slot

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def wait_started(slot, timeout=300):
    slot["started_ev"].wait(timeout)
    if "started" not in slot:
        raise RuntimeError("case did not start: %s" % slot.get("error"))
    return slot["started"]["pid"]


def wait_exited(slot, timeout=300):
    if not slot["exited_ev"].wait(timeout):
        raise RuntimeError("case did not end within %d s" % timeout)
    msg = slot.get("exit") or slot.get("error") or {}
    return msg


def run_fresh(python, spec, env):
    """One case in a fresh interpreter (drive_faults.py run), in the background."""
    os.makedirs(spec["out"], exist_ok=True)
    path = os.path.join(spec["out"], "spec.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    out = open(os.path.join(spec["out"], "stdout.txt"), "w")
    err = open(os.path.join(spec["out"], "stderr.txt"), "w")
    return subprocess.Popen([python, DRIVER, "run", path], stdout=out, stderr=err, env=base_env(env), cwd=spec["out"])


def export(session):
    r = subprocess.run([LAUNCHER, "export", session, "--quiet"], capture_output=True, text=True, timeout=600)
    meta_path = os.path.join(session, "metadata.json")
    meta = json.load(open(meta_path)) if r.returncode in (0, 3) and os.path.exists(meta_path) else None
    return {"code": r.returncode, "stderr": r.stderr.strip(), "meta": meta}


def _lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except OSError:
        return []


def _json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _sessions(base):
    return sorted(glob.glob(os.path.join(base, "session_*")))


def _collector_pids(session):
    """Processes whose command line is the engine's `collect SESSION` (the probe starts one)."""
    pids = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            argv = open(cmdline, "rb").read().split(b"\0")
        except OSError:
            continue
        if b"collect" in argv and session.encode() in argv:
            pids.append(int(cmdline.split("/")[2]))
    return pids


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[-1][:1] not in ("Z", "X")
    except OSError:
        return False


# -- the cases -----------------------------------------------------------------------------------

class Runner:
    def __init__(self, work, python=None, jobs=2, log=print):
        self.work = os.path.abspath(work)
        os.makedirs(self.work, exist_ok=True)
        self.python = python or os.environ.get("PROFILEMATE_PYTHON") or sys.executable
        self.jobs = jobs
        self.say = log
        self.profilers_of = record_profilers()

    def run(self):
        t0 = time.time()
        # the launcher builds the jar when it is missing or stale: once, before anything runs in parallel
        jar = subprocess.run([LAUNCHER, "--version"], capture_output=True, text=True, timeout=900)
        self.jar_ok = jar.returncode == 0
        self.jar_error = (jar.stderr or jar.stdout).strip()[-300:]
        prefix, self.no_mount_reason = namespace_prefix()
        self.mount_prefix = prefix
        zygote = Zygote(self.python, self.work, prefix)
        baseline = run_fresh(self.python, {"out": self._dir("baseline_probe_off"), "fault": "off"},
                             {"VLLM_ENABLE_PROFILING": "0"})
        reference = run_fresh(self.python, {"out": self._dir("reference_probe_on"), "fault": "none"},
                              {"VLLM_PROFILING_DIR": os.path.join(self._dir("reference_probe_on"), "prof")})
        try:
            if not zygote.ready.wait(300) or zygote.hello is None:
                raise RuntimeError("the zygote did not start: see %s/zygote.stderr.txt" % self.work)
            if not zygote.hello.get("mounts") and prefix is not None:
                self.no_mount_reason = "the zygote cannot mount a tmpfs in its namespace"
            self.zygote = zygote
            # the unfaulted case first, tracing which hooks reach their guarded probe code
            none = self._case_none()
            hooks = [k for k in none["attached"] if k in none["reached"]]
            self.not_on_path = sorted(k for k in none["attached"] if k not in none["reached"])
            names = ["hook:" + k for k in hooks] + [name for name, _ in FIXED]
            with concurrent.futures.ThreadPoolExecutor(self.jobs) as pool:
                done = list(pool.map(self._case, names))
            for proc in (baseline, reference):
                proc.wait(timeout=600)
        finally:
            zygote.close()
            for proc in (baseline, reference):
                if proc.poll() is None:
                    proc.kill()
        self.baseline = self._finish_fresh(baseline, "baseline_probe_off")
        self.reference = self._finish_fresh(reference, "reference_probe_on")
        rows = [self._evaluate(c) for c in [none] + done]
        self.elapsed = time.time() - t0
        return rows

    # -- running -------------------------------------------------------------------------------

    def _dir(self, name):
        d = os.path.join(self.work, name.replace(":", "_").replace("/", "_"))
        os.makedirs(d, exist_ok=True)
        return d

    def _finish_fresh(self, proc, name):
        out = self._dir(name)
        result = _json(os.path.join(out, "result.json")) or {}
        sessions = _sessions(os.path.join(out, "prof"))
        info = {"code": proc.returncode, "out": out, "result": result,
                "digest": _lines(os.path.join(out, "digest.jsonl")),
                "log": [l for l in _lines(os.path.join(out, "stderr.txt")) if l.startswith(LOG_PREFIX)]}
        if sessions:
            info["session"] = sessions[0]
            info["spools"] = session_spools(sessions[0])
            info["export"] = export(sessions[0])
        return info

    def _case_none(self):
        out = self._dir("none")
        spec = {"out": out, "fault": "none", "trace": True,
                "env": {"VLLM_PROFILING_DIR": os.path.join(out, "prof")}}
        return self._simple(spec, "none", "no fault (probe on, the unfaulted run)")

    def _case(self, name):
        try:
            if name.startswith("hook:"):
                out = self._dir(name)
                spec = {"out": out, "fault": name, "env": {"VLLM_PROFILING_DIR": os.path.join(out, "prof")}}
                return self._simple(spec, name, "RuntimeError raised inside the hook on %s" % name[5:].split(":")[1])
            return getattr(self, "_case_" + name)()
        except Exception as exc:  # a harness failure is a failed case, said in its row
            return {"name": name, "fault": name, "harness_error": "%s: %s" % (type(exc).__name__, exc)}

    def _simple(self, spec, name, fault, mount=None, copy_to=None, session_base=None, during=None):
        t0 = time.time()
        slot = self.zygote.submit(spec, mount=mount, copy_to=copy_to)
        pid = wait_started(slot)
        extra = during(pid, spec) if during else {}
        msg = wait_exited(slot)
        t1 = time.time()
        case = {"name": name, "fault": fault, "out": spec["out"], "code": msg.get("code"),
                "zygote_error": msg.get("error")}
        case.update(extra)
        case.update(self._collect(spec["out"], session_base or os.path.join(spec["out"], "prof")))
        case["seconds"] = {"run": round(t1 - t0, 2), "check": round(time.time() - t1, 2)}
        return case

    def _collect(self, out, session_base):
        result = _json(os.path.join(out, "result.json")) or {}
        info = {"result": result, "attached": result.get("attached", {}), "reached": result.get("reached", {}),
                "digest": _lines(os.path.join(out, "digest.jsonl")),
                "stderr": _lines(os.path.join(out, "stderr.txt"))}
        info["log"] = [l for l in info["stderr"] if l.startswith(LOG_PREFIX)]
        sessions = _sessions(session_base)
        info["sessions"] = sessions
        if sessions:
            info["spools"] = session_spools(sessions[0])
            if info["spools"]["spools"] or os.path.isdir(os.path.join(sessions[0], "raw")):
                info["export"] = export(sessions[0])
        return info

    def _mount_case(self, name, fault, mount, env_of):
        if self.mount_prefix is None or self.no_mount_reason:
            return {"name": name, "fault": fault, "skipped": self.no_mount_reason}
        out = self._dir(name)
        mnt = os.path.join(out, "mnt")
        copy = os.path.join(out, "copy")
        mount = dict(mount, dir=mnt)
        spec = {"out": out, "fault": name, "env": env_of(mnt)}
        return self._simple(spec, name, fault, mount=mount, copy_to=copy, session_base=copy)

    def _case_unwritable(self):
        return self._mount_case("unwritable", FIXED[0][1], {"size": "16k", "readonly": True},
                                lambda mnt: {"VLLM_PROFILING_DIR": mnt})

    def _case_unwritable_parent_is_file(self):
        out = self._dir("unwritable_parent_is_file")
        with open(os.path.join(out, "a_file"), "w") as f:
            f.write("not a folder\n")
        spec = {"out": out, "fault": "unwritable_parent_is_file",
                "env": {"VLLM_PROFILING_DIR": os.path.join(out, "a_file", "prof")}}
        return self._simple(spec, "unwritable_parent_is_file", FIXED[1][1])

    def _case_session_readonly(self):
        return self._mount_case("session_readonly", FIXED[2][1],
                                {"size": "16k", "readonly": True, "mkdirs": ["session_ro/raw"]},
                                lambda mnt: {"VLLM_PROFILING_DIR": mnt,
                                             "PROFILEMATE_SESSION_DIR": os.path.join(mnt, "session_ro")})

    def _case_disk_full(self):
        return self._mount_case("disk_full", FIXED[3][1] % DISK_FULL_SIZE, {"size": DISK_FULL_SIZE},
                                lambda mnt: {"VLLM_PROFILING_DIR": mnt})

    def _case_sigkill(self):
        out = self._dir("sigkill")
        # slower steps (3x the demo's) leave time to see the writer at work before the kill
        spec = {"out": out, "fault": "sigkill", "pace": 3.0, "progress": True,
                "env": {"VLLM_PROFILING_DIR": os.path.join(out, "prof")}}

        def kill_mid_run(pid, spec):
            deadline = time.time() + 120
            seen = {}
            while time.time() < deadline:
                sessions = _sessions(os.path.join(out, "prof"))
                steps = len(_lines(os.path.join(out, "digest.jsonl")))
                if sessions and steps >= 120:
                    spools = session_spools(sessions[0])
                    if sum(s["chunks"] for s in spools["spools"]) >= 3:
                        os.kill(pid, signal.SIGKILL)
                        seen = {"killed_at_step": steps}
                        break
                if not _alive(pid):
                    break
                time.sleep(0.005)
            return seen
        return self._simple(spec, "sigkill", FIXED[4][1], during=kill_mid_run)

    def _case_collector_killed(self):
        name = "collector_killed"
        if not self.jar_ok:
            return {"name": name, "fault": FIXED[5][1], "skipped": "engine jar not built: %s" % self.jar_error}
        out = self._dir(name)
        go = os.path.join(out, "go")
        spec = {"out": out, "fault": name, "pause_at_step": 60, "go_file": go,
                "env": {"VLLM_PROFILING_DIR": os.path.join(out, "prof"), "PROFILEMATE_SIDECAR": "1"}}

        def kill_collector(pid, spec):
            seen = {}
            deadline = time.time() + 180
            while time.time() < deadline and not os.path.exists(os.path.join(out, "paused")):
                time.sleep(0.05)
            session = (_sessions(os.path.join(out, "prof")) or [None])[0]
            try:
                # vLLM is mid-run (paused at a step); the collector has written the session files once
                while session and time.time() < deadline:
                    pids = _collector_pids(session)
                    if pids and os.path.exists(os.path.join(session, "metadata.json")):
                        for p in pids:
                            os.kill(p, signal.SIGKILL)
                        while any(_alive(p) for p in pids) and time.time() < deadline:
                            time.sleep(0.02)
                        seen = {"collector_pids": pids, "collector_alive_after": any(_alive(p) for p in pids)}
                        time.sleep(0.5)  # the probe notices the collector's end (one line) while vLLM runs
                        break
                    time.sleep(0.05)
            finally:
                with open(go, "w"):
                    pass
            return seen
        return self._simple(spec, name, FIXED[5][1], during=kill_collector)

    # -- checking ------------------------------------------------------------------------------

    def _evaluate(self, case):
        row = dict(case)
        row["checks"] = []
        if case.get("skipped") or case.get("harness_error"):
            return row
        failures = row["checks"]

        def check(ok, what):
            if not ok:
                failures.append(what)

        name = case["name"]
        base = self.baseline["digest"]
        digest = case.get("digest", [])
        check(self.baseline["code"] == 0 and len(base) > 0, "the probe-off run failed")
        if name == "sigkill":
            row["identical"] = 0 < len(digest) < len(base) and digest == base[:len(digest)]
            row["identical_text"] = "yes, up to the kill (%d of %d steps)" % (len(digest), len(base)) \
                if row["identical"] else "no"
            check(case.get("killed_at_step"), "not killed mid-run")
            check(case.get("code") == -signal.SIGKILL, "exit %s, not SIGKILL" % case.get("code"))
        else:
            row["identical"] = digest == base
            row["identical_text"] = "yes (%d steps)" % len(base) if row["identical"] else "no"
            check(case.get("code") == 0, "the run exited %s" % case.get("code"))
        check(row["identical"], "vLLM's scheduler outputs differ from the probe-off run's")

        # (b) log lines
        log = case.get("log", [])
        row["log_lines"] = len(log)
        expected_lines = {"none": 0, "sigkill": 0}.get(name, 1)
        check(len(log) == expected_lines, "%d probe log lines, expected %d: %r" % (len(log), expected_lines, log))

        # (c) disabled profilers, from the probe and from the export
        result = case.get("result", {})
        profilers = result.get("profilers", {})
        row["disabled_in_process"] = sorted(p for p, s in profilers.items() if not s["enabled"])
        exp = case.get("export") or {}
        meta = exp.get("meta") or {}
        states = {}
        for target, s in (meta.get("probe_targets") or {}).items():
            states.setdefault(s["profiler"], set()).add(s["state"])
        row["disabled_in_export"] = sorted(p for p, st in states.items() if "disabled" in st)
        counts = (case.get("spools") or {}).get("counts", {})
        ref_counts = (self.reference.get("spools") or {}).get("counts", {})
        by_prof, ref_by_prof = self._by_profiler(counts), self._by_profiler(ref_counts)
        row["records_by_profiler"] = by_prof
        row["reference_by_profiler"] = ref_by_prof

        # (d) records: handed to the writer = on disk + counted lost; on disk = exported
        spools = case.get("spools")
        row["on_disk"] = spools["data"] if spools else 0
        row["on_disk_readable"] = spools["records"] if spools else 0
        row["exported"] = (meta.get("session") or {}).get("records") if meta else None
        row["export_code"] = exp.get("code") if exp else None
        row["handed"] = result.get("handed")
        row["writer_lost"] = sum(w["dropped"] for w in result.get("writers", [])) if result else None
        said = [int(m) for l in log for m in re.findall(r"(\d+) records lost", l)]
        row["log_lost"] = said[0] if said else None
        row["tails"] = [s["tail"] for s in (spools or {}).get("spools", []) if s["tail"]]

        if name.startswith("hook:"):
            key = name[5:]
            prof = case["attached"][key]["profiler"]
            row["affected"] = prof
            fired = result.get("fired") or {}
            check(fired.get("target") == key, "the fault did not fire in %s" % key)
            check(len(log) == 1 and ("profiler %s disabled after a hook error" % prof) in log[0]
                  and "planted fault" in log[0], "the log line does not say which profiler stopped: %r" % log)
            check(row["disabled_in_process"] == [prof], "disabled in the process: %s" % row["disabled_in_process"])
            check(row["disabled_in_export"] == [prof], "disabled in metadata.json: %s" % row["disabled_in_export"])
            for p, n in ref_by_prof.items():
                if prof in p.split("+"):
                    check(by_prof.get(p, 0) <= n, "%s wrote more records than unfaulted" % p)
                elif not p.startswith("("):
                    check(by_prof.get(p, 0) == n, "%s wrote %d records, %d unfaulted" % (p, by_prof.get(p, 0), n))
            self._check_complete(row, check, exp_code=0)
        elif name == "none":
            check(not row["disabled_in_process"] and not row["disabled_in_export"], "a profiler was disabled")
            check({k: v for k, v in counts.items() if k not in TIMED}
                  == {k: v for k, v in ref_counts.items() if k not in TIMED},
                  "the zygote's unfaulted child wrote other records than the fresh interpreter: %s vs %s"
                  % (counts, ref_counts))
            check(self.reference["code"] == 0 and (self.reference.get("export") or {}).get("code") == 0,
                  "the fresh probe-on run or its export failed")
            self._check_complete(row, check, exp_code=0)
        elif name in ("unwritable", "unwritable_parent_is_file"):
            row["affected"] = "all (no session folder)"
            check(len(log) == 1 and "profiling off" in log[0], "log: %r" % log)
            check(not case.get("sessions"), "a session folder was made")
            check(not result.get("profilers") and row["handed"] == 0, "profilers ran without a session")
            row["lost_text"] = "0 (nothing recorded)"
        elif name == "session_readonly":
            row["affected"] = "all (no spool)"
            check(len(log) == 1 and "spool not opened" in log[0], "log: %r" % log)
            check(row["on_disk"] == 0, "a spool was written")
            check(set(row["disabled_in_process"]) == set(profilers), "profilers still on: %s" % profilers)
            check(row["handed"] == 0, "%s records handed to a writer" % row["handed"])
            row["lost_text"] = "0 (nothing recorded)"
        elif name == "disk_full":
            row["affected"] = "all (spool off)"
            check(len(log) == 1 and ("No space left on device" in log[0] or "short write" in log[0]),
                  "log: %r" % log)
            check(0 < row["on_disk"] < (self.reference.get("spools") or {}).get("data", 0),
                  "the disk did not fill mid-run")
            check(row["log_lost"] is not None and row["log_lost"] == row["writer_lost"],
                  "log says %s lost, the writer counted %s" % (row["log_lost"], row["writer_lost"]))
            check(row["handed"] == row["on_disk"] + (row["writer_lost"] or 0),
                  "handed %s != on disk %s + counted lost %s" % (row["handed"], row["on_disk"], row["writer_lost"]))
            check(set(row["disabled_in_process"]) == set(profilers), "profilers still on after the spool stopped")
            check(row["exported"] == row["on_disk_readable"] and row["export_code"] == 0,
                  "exported %s (exit %s), on disk %s" % (row["exported"], row["export_code"], row["on_disk_readable"]))
        elif name == "sigkill":
            row["affected"] = "all (process killed)"
            check(row["on_disk"] > 0, "nothing on disk before the kill")
            check(row["exported"] == row["on_disk_readable"] and row["export_code"] == 0,
                  "exported %s (exit %s), on disk %s" % (row["exported"], row["export_code"], row["on_disk_readable"]))
            # the driver's count at the end of the last step it finished: what the probe had made by then
            last = (_lines(os.path.join(case["out"], "handed.txt")) or ["0 0"])[-1].split()
            row["handed_by_last_step"] = int(last[1])
            row["unflushed_at_kill"] = max(0, row["handed_by_last_step"] - row["on_disk"])
            row["lost_text"] = ("at least %d (made by step %s, not yet flushed); not counted by the probe: "
                                "the killed process cannot" % (row["unflushed_at_kill"], last[0]))
        elif name == "collector_killed":
            row["affected"] = "none"
            check(case.get("collector_pids") and not case.get("collector_alive_after"), "collector not killed")
            check(len(log) == 1 and "collector" in log[0] and "profilemate export" in log[0], "log: %r" % log)
            check(not row["disabled_in_process"] and not row["disabled_in_export"], "a profiler was disabled")
            check({k: v for k, v in counts.items() if k not in TIMED}
                  == {k: v for k, v in ref_counts.items() if k not in TIMED},
                  "the session differs from the unfaulted one: %s vs %s" % (counts, ref_counts))
            self._check_complete(row, check, exp_code=0)
        return row

    def _check_complete(self, row, check, exp_code):
        check(row["handed"] is not None and row["handed"] == row["on_disk"] and not row["writer_lost"],
              "handed %s, on disk %s, lost %s" % (row["handed"], row["on_disk"], row["writer_lost"]))
        check(row["exported"] == row["on_disk_readable"] and row["export_code"] == exp_code,
              "exported %s (exit %s), on disk %s" % (row["exported"], row["export_code"], row["on_disk_readable"]))
        check(not row["tails"], "spool tails: %s" % row["tails"])
        row.setdefault("lost_text", "0")

    def _by_profiler(self, counts):
        out = {}
        for name, n in counts.items():
            if name in ("metadata", "clock_anchor"):  # anchors come with time, not with the work
                continue
            p = self.profilers_of.get(name, "?")
            out[p] = out.get(p, 0) + n
        return out
