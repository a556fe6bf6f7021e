"""Runs the demo's workload on vLLM's REAL scheduler under the probe, with one fault injected,
and writes what vLLM decided at every step (the digest a probe-off run must match) and what
the probe's spool writer was handed. fault_cases.py runs the cases and checks them.

    drive_faults.py run SPEC.json      one case in this fresh interpreter (the probe, if on,
                                       started by sitecustomize at `import vllm`)
    drive_faults.py zygote [--mounts]  a zygote: imports vLLM once (probe off), then forks one
                                       child per case read from stdin (JSON lines); the child
                                       turns the probe on as sitecustomize does under
                                       VLLM_ENABLE_PROFILING=1, then runs the case. --mounts:
                                       it may mount tmpfs for a case (it runs in a private
                                       mount namespace)

A case SPEC: {"out": DIR, "env": {...}, "fault": "none" | "hook:<target key>" | ...,
"trace": bool (record which hooks reach their guarded probe code), "pace": float (x the
demo's simulated step time), "progress": bool (DIR/handed.txt after every step),
"pause_at_step": int, "go_file": path}. The child writes DIR/digest.jsonl (one line per step,
flushed, so a killed run leaves a prefix), DIR/result.json (at its very end) and its
stdout/stderr to DIR/stdout.txt and DIR/stderr.txt (zygote mode).

A hook fault is planted without touching the probe's code: a trace function watches the
hook's frames and raises RuntimeError at the first line of the hook's guarded probe code (a
`try:` body whose handler calls `prof.fail`), i.e. where a bug in the probe's own work would
raise. The trace function is dropped by the interpreter once it raised.
"""
import ast
import atexit
import inspect
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "demo"))

FAULT_MESSAGE = "planted fault (profilemate fault injection)"


# -- what the hooks are, and where their guarded probe code is --------------------------------

def _guarded_lines(fn):
    """Line numbers of fn's `try:` bodies whose handler calls `<something>.fail(...)`: the
    probe work each hook guards (an error there must disable its profiler, nothing else)."""
    try:
        # from the code object: the hook's __wrapped__ (functools.update_wrapper) is vLLM's method
        src = textwrap.dedent(inspect.getsource(fn.__code__))
    except (OSError, TypeError):
        return set()
    base = fn.__code__.co_firstlineno - 1
    tree = ast.parse(src)
    lines = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        calls_fail = any(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "fail"
                         for h in node.handlers for c in ast.walk(h))
        if calls_fail and node.body:
            lines.update(range(node.body[0].lineno + base, node.body[-1].end_lineno + base + 1))
    # a `try:` line is a NOP outside every protected range (CPython 3.11+): an error "there"
    # is one no probe code can raise
    lines.difference_update(n.lineno + base for n in ast.walk(tree) if isinstance(n, ast.Try))
    return lines


def attached_hooks(probe):
    """{target key: (profiler, hook function, guarded lines)} for every target of the probe's
    patch table that is attached in this process (read from the table, not listed by hand)."""
    from profilemate_probe.core import ATTACHED
    from profilemate_probe.patching import resolve
    hooks = {}
    for target in probe.targets:
        if probe.status.get(target.key, (None,))[0] != ATTACHED:
            continue
        try:
            _owner, _attr, current = resolve(target)
        except LookupError:
            continue
        fn = current.__func__ if isinstance(current, (staticmethod, classmethod)) else current
        hooks[target.key] = (target.profiler, fn, _guarded_lines(fn))
    return hooks


class HookTracer:
    """sys.settrace on vLLM's thread: finds each hook's frames (several hooks may share one code
    object, hooks.after's `replacement`: they differ in their closure) and, per mode, notes that
    its guarded code ran or raises there."""

    def __init__(self, hooks, plant=None):
        self.reached = {key: 0 for key in hooks}
        self.fired = None
        self._plant = plant
        self._by_code = {}
        for key, (_prof, fn, lines) in hooks.items():
            if not lines or (plant is not None and key != plant):
                continue
            cells = dict(zip(fn.__code__.co_freevars, [c.cell_contents for c in fn.__closure__ or ()]))
            self._by_code.setdefault(fn.__code__, []).append((key, cells, lines))

    def _match(self, frame):
        entries = self._by_code.get(frame.f_code)
        if not entries:
            return None
        if len(entries) == 1 and self._plant is None:
            return entries[0]
        local = frame.f_locals
        for entry in entries:
            if all(local.get(name) is value for name, value in entry[1].items()):
                return entry
        return None

    def global_trace(self, frame, event, arg):
        if event != "call":
            return None
        entry = self._match(frame)
        if entry is None:
            return None
        key, _cells, lines = entry
        seen = [False]

        def local_trace(frame, event, arg):
            if event == "line" and frame.f_lineno in lines and not seen[0]:
                seen[0] = True
                self.reached[key] += 1
                if self._plant == key:
                    self.fired = {"target": key, "line": frame.f_lineno,
                                  "file": os.path.relpath(frame.f_code.co_filename, REPO)}
                    # raised into the hook's frame at this line; the interpreter then drops
                    # the trace function, so the rest of the run is untraced
                    raise RuntimeError(FAULT_MESSAGE)
            return local_trace
        return local_trace

    def start(self):
        if self._by_code:
            sys.settrace(self.global_trace)

    def stop(self):
        sys.settrace(None)


# -- counting what the spool writer is handed --------------------------------------------------

class Handed:
    """Counts every record the probe's hooks hand to a SpoolWriter (its out and emit), before
    and after it turns itself off: on disk + counted lost must equal this."""

    def __init__(self):
        self.count = 0
        self.writers = []

    def install(self):
        from profilemate_probe import spool
        real_start = spool.SpoolWriter.start
        handed = self

        def start(writer):
            append, emit = writer.out, writer.emit

            def out(data):
                handed.count += 1
                append(data)

            def counted_emit(name, *values):
                handed.count += 1
                emit(name, *values)
            writer.out, writer.emit = out, counted_emit
            handed.writers.append(writer)
            return real_start(writer)
        spool.SpoolWriter.start = start


# -- the workload and its digest ---------------------------------------------------------------

def run_workload(spec, tracer, handed):
    import vllm_testbed as tb
    import run_demo
    tracer.start()  # before the scheduler is built: Scheduler.__init__ is hooked too
    try:
        sched, first, add_at = run_demo.build()
    except BaseException:
        tracer.stop()
        raise
    last = {}
    real_schedule = sched.schedule

    def schedule(*args, **kwargs):
        # the SchedulerOutput of this step, for the per-request token counts (the same
        # instance-level wrapper in every run, probe on or off)
        so = last["so"] = real_schedule(*args, **kwargs)
        return so
    sched.schedule = schedule
    pace = float(spec.get("pace", 1.0))
    pause_at = spec.get("pause_at_step")
    digest = open(os.path.join(spec["out"], "digest.jsonl"), "w")
    # records handed to the spool writer by the end of each step, for a run that is killed
    # (it writes no result): a lower bound of what it had made when it died
    progress = open(os.path.join(spec["out"], "handed.txt"), "w") if spec.get("progress") else None

    def on_step(info, scheduler):
        so = last.pop("so")
        line = {
            "step": info.step,
            "scheduled": sorted(so.num_scheduled_tokens.items()),
            "tokens": so.total_num_scheduled_tokens,
            "preempted": sorted(so.preempted_req_ids or ()),
            "finished": sorted(info.finished.items()),
            "kv_usage": info.kv_usage,
            "kv_usage_after": info.kv_usage_after,
            "free_blocks": info.num_free_blocks,
            "running": info.num_running,
            "waiting": info.num_waiting,
            "evicted_blocks": info.evicted_block_ids,
            "prefix_hits": info.prefix_hits,
        }
        digest.write(json.dumps(line, sort_keys=True) + "\n")
        digest.flush()
        if progress is not None:
            progress.write("%d %d\n" % (info.step, handed.count))
            progress.flush()
        if pause_at is not None and len(pause_seen) == 0 and info.step >= pause_at:
            pause_seen.append(info.step)
            _pause(spec)
        # the demo's simulated model step: 1 ms + 4 us per scheduled token
        time.sleep(pace * (0.001 + 4e-6 * info.num_scheduled_tokens))

    pause_seen = []
    try:
        result = tb.run(sched, first, on_step=on_step, add_at=add_at)
    finally:
        tracer.stop()
        digest.close()
        if progress is not None:
            progress.close()
    return {"steps": result.num_steps, "finished": len(result.finished), "preemptions": result.num_preemptions,
            "evicted": result.evicted_pairs, "prefix_hits": result.prefix_hits, "paused_at": pause_seen}


def _pause(spec):
    """Waits (vLLM mid-run) until the harness has done its part, e.g. killed the collector."""
    with open(os.path.join(spec["out"], "paused"), "w"):
        pass
    deadline = time.time() + float(spec.get("pause_timeout", 120))
    while not os.path.exists(spec["go_file"]) and time.time() < deadline:
        time.sleep(0.02)


def run_case(spec, start_probe):
    """Runs one case in this process; start_probe: turn the probe on here (zygote child)."""
    out = spec["out"]
    handed = Handed()
    summary = {"fault": spec["fault"], "pid": os.getpid(), "t": {"start": time.time()}}

    def write_result():
        # registered before the probe's own atexit work, so it runs after it (LIFO): the
        # counts include the records the probe writes at exit
        summary["handed"] = handed.count
        summary["t"]["exit"] = time.time()
        summary["writers"] = [{"path": w.path, "dropped": w.dropped, "enabled": w.enabled} for w in handed.writers]
        with open(os.path.join(out, "result.json.tmp"), "w") as f:
            json.dump(summary, f, sort_keys=True)
        os.replace(os.path.join(out, "result.json.tmp"), os.path.join(out, "result.json"))
    atexit.register(write_result)
    try:
        handed.install()
    except ImportError:
        pass  # probe not on sys.path: nothing is handed
    if start_probe:
        import sitecustomize  # the probe's: exactly its start-up under VLLM_ENABLE_PROFILING
        sitecustomize._start_probe()
    import vllm_testbed  # noqa: F401  (fresh interpreter: the probe attaches here)
    import profilemate_probe
    probe = profilemate_probe.probe()
    hooks = attached_hooks(probe) if probe is not None else {}
    summary["attached"] = {key: {"profiler": p, "guarded": bool(lines)} for key, (p, _fn, lines) in hooks.items()}
    plant = spec["fault"][len("hook:"):] if spec["fault"].startswith("hook:") else None
    if plant is not None and plant not in hooks:
        summary["error"] = "hook %s is not attached" % plant
        return 2
    tracer = HookTracer(hooks, plant=plant) if (plant or spec.get("trace")) else HookTracer({})
    summary["t"]["probe"] = time.time()
    summary.update(run_workload(spec, tracer, handed))
    summary["t"]["ran"] = time.time()
    summary["reached"] = {k: v for k, v in tracer.reached.items() if v}
    summary["fired"] = tracer.fired
    if probe is not None:
        summary["profilers"] = {name: {"enabled": prof.enabled, "reason": prof.disabled_reason}
                                for name, prof in probe.profilers.items()}
    return 0


# -- zygote ------------------------------------------------------------------------------------

def _child(spec):
    out = spec["out"]
    os.makedirs(out, exist_ok=True)
    for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
        f = os.open(os.path.join(out, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(f, fd)
        os.close(f)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ.pop("VLLM_ENABLE_PROFILING", None)
    for k, v in spec.get("env", {}).items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    on = os.environ.get("VLLM_ENABLE_PROFILING", "1") != "0"
    os.environ["VLLM_ENABLE_PROFILING"] = "1" if on else "0"
    rc = 1
    try:
        rc = run_case(spec, start_probe=on)
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        # An interpreter's exit runs atexit (where the probe closes its spool) and then tears
        # down its modules, which takes torch and vLLM seconds: the first as at any exit, then
        # go. Never back into the zygote's loop.
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(rc)


def _reply(msg):
    sys.__stdout__.write(json.dumps(msg) + "\n")
    sys.__stdout__.flush()


def _mount(m):
    """A tmpfs for one case, in this zygote's mount namespace (fault_cases starts it in a private one)."""
    os.makedirs(m["dir"], exist_ok=True)
    opts = "size=%s,mode=0700" % m["size"]
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", m["dir"]], check=True, capture_output=True)
    for d in m.get("mkdirs", ()):
        os.makedirs(os.path.join(m["dir"], d), mode=0o700)
    if m.get("readonly"):
        subprocess.run(["mount", "-o", "remount,ro", m["dir"]], check=True, capture_output=True)


def _unmount(m, copy_to):
    try:
        if copy_to:
            # the tmpfs is only visible in this namespace: hand its files back
            shutil.copytree(m["dir"], copy_to, symlinks=True, dirs_exist_ok=True)
    finally:
        subprocess.run(["umount", "-l", m["dir"]], capture_output=True)


def zygote():
    """Reads case specs from stdin, forks a child per case, reports start and exit (JSON lines)."""
    import vllm_testbed  # noqa: F401  (vLLM imported once, probe off)
    import run_demo  # noqa: F401
    mounts_ok = "--mounts" in sys.argv and _mount_works()  # checked only in its own namespace
    _reply({"event": "ready", "pid": os.getpid(), "mounts": mounts_ok})
    children = {}  # pid -> its request
    buf = b""
    stdin_open = True
    while stdin_open or children:
        if stdin_open:
            ready, _, _ = select.select([sys.stdin.buffer], [], [], 0.02)
            if ready:
                data = os.read(sys.stdin.fileno(), 65536)
                if not data:
                    stdin_open = False
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    req = json.loads(line)
                    try:
                        if req.get("mount"):
                            _mount(req["mount"])
                    except subprocess.CalledProcessError as exc:
                        _reply({"id": req["id"], "event": "error", "error": "mount failed: %s" % (
                            exc.stderr.decode(errors="replace").strip() or exc)})
                        continue
                    except OSError as exc:
                        _reply({"id": req["id"], "event": "error", "error": "mount failed: %s" % exc})
                        continue
                    pid = os.fork()
                    if pid == 0:
                        _child(req["spec"])  # ends the child, never returns
                    children[pid] = req
                    _reply({"id": req["id"], "event": "started", "pid": pid})
        else:
            time.sleep(0.02)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            req = children.pop(pid, None)
            if req is None:
                continue
            error = None
            if req.get("mount"):
                try:
                    _unmount(req["mount"], req.get("copy_to"))
                except OSError as exc:
                    error = "copy-out failed: %s" % exc
            code = os.waitstatus_to_exitcode(status)
            _reply({"id": req["id"], "event": "exit", "pid": pid, "code": code, "error": error})


def _mount_works():
    d = "/tmp/.profilemate-faults-mountcheck-%d" % os.getpid()
    try:
        os.makedirs(d, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", d], capture_output=True)
        if r.returncode != 0:
            return False
        subprocess.run(["umount", d], capture_output=True)
        return True
    except OSError:
        return False
    finally:
        try:
            os.rmdir(d)
        except OSError:
            pass


if __name__ == "__main__":
    if sys.argv[1] == "zygote":
        zygote()
    elif sys.argv[1] == "run":
        with open(sys.argv[2]) as f:
            spec = json.load(f)
        os.makedirs(spec["out"], exist_ok=True)
        sys.exit(run_case(spec, start_probe=False))
    else:
        raise SystemExit(__doc__)
