"""The probe's one state object: activation, the spool, profilers and their targets."""
import atexit
import importlib
import os
import sys
import time

from . import config as config_mod
from . import exiting
from .importhook import ImportHook
from .patching import Profiler, version_in, wrap, unwrap

STARTUP_LINE = "[sitecustomize] vLLM Comprehensive Instrumentation Loaded"

# profiler module -> config switches (any one on enables it)
PROFILER_MODULES = (
    ("scheduler", ("ENABLE_BATCH_UTILIZATION_TRACKING", "ENABLE_KV_CACHE_TRACKING",
                   "ENABLE_PREEMPTION_TRACKING", "ENABLE_CPU_TIMING")),
    ("kv_cache", ("ENABLE_KV_CACHE_TRACKING",)),
    ("prefix_cache", ("ENABLE_KV_CACHE_TRACKING",)),
    ("cpu_timing", ("ENABLE_CPU_TIMING",)),
    ("cuda_graphs", ("ENABLE_CUDA_GRAPH_TRACKING",)),
    ("forward_pass", ("ENABLE_FORWARD_PASS_TIMING",)),
    ("moe", ("ENABLE_MOE_EXPERT_TRACKING",)),
    ("eplb", ("ENABLE_MOE_EXPERT_TRACKING",)),  # its targets are the moe profiler's (one switch, one breaker)
    ("encoder_decoder", ("ENABLE_ENCODER_DECODER_TIMING",)),
    ("shutdown", config_mod.FLAGS),  # any profiler on: the EngineCore gets time to close its spool
    ("parallel", config_mod.FLAGS),  # any profiler on: every record's process gets its dp/pp/tp/ep ranks
    ("environ", config_mod.FLAGS),  # any profiler on: the probe's VLLM_* names pass vLLM's env check
)

ATTACHED, MISSING, FAILED, SKIPPED = 1, 0, 2, 3
STATE_NAMES = {ATTACHED: "attached", MISSING: "missing", FAILED: "disabled", SKIPPED: "skipped"}


def log(msg):
    try:
        sys.stderr.write("[profilemate] %s\n" % msg)
        sys.stderr.flush()
    except Exception:
        pass


class _NullWriter:
    enabled = False

    def emit(self, *a):
        pass

    def out(self, data):
        pass

    def close(self):
        pass


class _OnFirstRecord:
    enabled = True

    def __init__(self, probe):
        self._probe = probe

    def _opened(self):
        # hooks may still hold this object's methods after the first record opened the spool
        writer = self._probe.writer
        return self._probe._open_spool_file() if writer is self else writer

    def emit(self, *values):
        self._opened().emit(*values)

    def out(self, data):
        self._opened().out(data)

    def close(self):
        pass


class Probe:
    def __init__(self, config, announce=True):
        self.config = config
        self.announce = announce
        self.active = False
        self.session_dir = None
        self.owner = False
        self.profilers = {}
        self.writer = _NullWriter()
        self.hook = ImportHook(self._hook_error)
        self.targets = []          # (module_name, PatchTarget)
        self.status = {}           # target key -> (state, reason)
        self.modules = {}
        self._vllm_version = None
        self._hooks_registered = False
        self.off_reason = None     # set when nothing can be written any more (_profiling_off)

    @property
    def writer(self):
        return self._writer

    @writer.setter
    def writer(self, writer):
        # Hooks call prof.emit / prof.out on every record: point them straight at the writer
        # instead of going through Probe.emit, one Python call less per record.
        self._writer = writer
        for prof in self.profilers.values():
            prof.emit = writer.emit
            prof.out = writer.out

    # -- lifecycle ---------------------------------------------------------------------
    def install(self, force=False):
        self.hook.install()
        if force:
            self.activate()
        else:
            self.hook.watch("vllm", lambda _m: self.activate())

    def activate(self, session=True):
        if self.active:
            return
        self.active = True
        if session:
            try:
                self._open_spool()
            except Exception as exc:
                log("profiling off: %s" % exc)
                return
        self._load_profilers()
        if self.announce:
            on = ", ".join(sorted(self.profilers)) or "none"
            print("%s (profilers: %s; session: %s)" % (STARTUP_LINE, on, self.session_dir),
                  file=sys.stderr, flush=True)
        if self.owner:
            from . import sidecar
            sidecar.start_async(self.session_dir, log)

    def _open_spool(self):
        from .session import open_session
        self.session_dir, self.owner = open_session()
        # The spool file itself opens on the first record: processes that import vLLM but
        # never do vLLM work (helpers, compile workers) leave no empty spools behind.
        self.writer = _OnFirstRecord(self)
        if not self._hooks_registered:
            self._hooks_registered = True
            atexit.register(self.close)
            if hasattr(os, "register_at_fork"):
                os.register_at_fork(after_in_child=self._after_fork)
            # a multiprocessing child forked from here ends with os._exit, past atexit; so does
            # this process if it is one (vLLM first imported in a child's target)
            import multiprocessing.util
            multiprocessing.util.register_after_fork(self, Probe._close_at_process_end)
            if multiprocessing.parent_process() is not None:
                self._close_at_process_end()

    def _open_spool_file(self):
        from .session import detect_role, process_metadata
        from .segments import Segments
        from .spool import SpoolWriter
        self.writer = _NullWriter()
        try:
            role, rank = detect_role()
            enabled = [f for f in config_mod.FLAGS if self.config.values.get(f)]
            meta = process_metadata(role, rank, enabled, self.config.as_dict())
            meta["session_owner"] = self.owner
            from . import attached_by
            from .versions import RELEASE
            meta["attach"] = attached_by() or "api"  # "api": install() called directly (tests, doctor)
            meta["probe_version"] = RELEASE
            # segments raw/<role>-<pid>.<n>.pmspool under the session's disk budget (segments.py)
            segments = Segments.from_config(os.path.join(self.session_dir, "raw"), "%s-%d" % (role, os.getpid()),
                                            self.config.values)
            self.writer = SpoolWriter(None, meta, flush_every=self.config.LOG_INTERVAL, on_failure=log,
                                      on_disabled=self._spool_disabled, segments=segments,
                                      anchor_seconds=self.config.values.get("ANCHOR_SECONDS", 10)).start()
        except Exception as exc:
            log("profiling off: spool not opened: %s" % exc)
            self._profiling_off("no spool: %s" % exc)
        return self.writer

    def _spool_disabled(self):
        # runs on the spool thread, before it counts what it lost and says so
        self._profiling_off("the spool stopped (see its log line)")

    def _profiling_off(self, reason):
        """Nothing can be written any more: the hooks stop handing records over (rebinding
        prof.emit / prof.out is one attribute store each) and stop working (a disabled profiler's
        hook only calls vLLM), so no record is made that no one counts. No line per profiler:
        the caller's one line says why."""
        self.off_reason = reason  # profilers loaded after this start off
        self.writer = _NullWriter()
        for prof in list(self.profilers.values()):
            if prof.enabled:
                prof.enabled = False
                prof.disabled_reason = reason

    def _profiler_failed(self, prof):
        """A hook error turned `prof` off (its line is logged): its attached targets say so in the
        session too (profiler_status "disabled", with the reason); the others stay attached."""
        for target in self.targets:
            if target.profiler == prof.name and self.status.get(target.key, (None,))[0] == ATTACHED:
                self._set_status(target, FAILED, prof.disabled_reason)

    def _after_fork(self):
        # a forked child must not share the parent's spool: it gets its own, on first record
        self.owner = False
        self.writer = _OnFirstRecord(self)

    def _close_at_process_end(self):
        import multiprocessing.util
        multiprocessing.util.Finalize(None, self.close, exitpriority=10)

    def close(self):
        exiting.run(log)
        self.writer.close()

    # -- profilers and targets -----------------------------------------------------------
    def _load_profilers(self):
        for name, flags in PROFILER_MODULES:
            if not any(self.config.values.get(f) for f in flags):
                continue
            try:
                module = importlib.import_module("profilemate_probe.targets." + name)
            except Exception as exc:
                log("profiler %s not loaded: %s" % (name, exc))
                continue
            self.modules[name] = module
            if getattr(module, "PROFILER", name) not in self.profilers:  # else a second module of a loaded one
                self._new_profiler(name, module)
            for target in module.TARGETS:
                self.targets.append(target)
                self.hook.watch(target.module, lambda _m, t=target: self.attach(t))

    def _new_profiler(self, name, module):
        prof = Profiler(name, log, self.writer.emit, self.writer.out, on_disabled=self._profiler_failed)
        prof.config = self.config
        prof.probe = self
        if self.off_reason is not None:
            prof.enabled = False
            prof.disabled_reason = self.off_reason
        self.profilers[name] = prof
        if hasattr(module, "setup"):
            module.setup(prof)

    def vllm_version(self):
        if self._vllm_version is None:
            try:
                from importlib.metadata import version
                self._vllm_version = version("vllm")
            except Exception:
                self._vllm_version = getattr(sys.modules.get("vllm"), "__version__", "") or ""
        return self._vllm_version

    def attach(self, target):
        prof = self.profilers[target.profiler]
        if not version_in(self.vllm_version(), target.versions):
            self._set_status(target, SKIPPED, "vLLM %s outside %s" % (self.vllm_version(), target.versions))
            return
        try:
            wrap(target, prof)
        except LookupError as exc:
            self._set_status(target, MISSING, str(exc))
            if not target.optional:
                log("target %s missing: %s" % (target.key, exc))
            return
        self._set_status(target, ATTACHED, "")

    def _set_status(self, target, state, reason):
        self.status[target.key] = (state, reason)
        self.emit("profiler_status", time.monotonic_ns(), state, target.profiler, target.key, reason)

    def emit(self, name, *values):
        self.writer.emit(name, *values)

    def _hook_error(self, module, exc):
        log("import hook for %s failed: %s" % (module, exc))

    def uninstall(self):
        for target in self.targets:
            unwrap(target)
        self.hook.uninstall()

    def report(self):
        """Every declared target with its state, for `profilemate doctor`."""
        rows = []
        for target in self.targets:
            default = (MISSING, "module %s never imported" % target.module)
            if self.vllm_version() and not version_in(self.vllm_version(), target.versions):
                default = (SKIPPED, "vLLM %s outside %s" % (self.vllm_version(), target.versions))
            state, reason = self.status.get(target.key, default)
            prof = self.profilers.get(target.profiler)
            if state == ATTACHED and prof is not None and not prof.enabled:
                state, reason = FAILED, prof.disabled_reason
            rows.append({"profiler": target.profiler, "target": target.key, "versions": target.versions,
                         "optional": target.optional, "state": STATE_NAMES[state], "reason": reason or ""})
        return rows
