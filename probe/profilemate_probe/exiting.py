"""Work that must finish before a process's spool closes (the profilers' last GPU batches).

atexit alone misses multiprocessing's children started by fork (and forkserver): they end with
os._exit. vLLM's EngineCore is one under LLM(...), which forks it while CUDA is not yet up. So
the probe runs these callbacks, then closes the spool, both at interpreter exit and from a
multiprocessing finalizer in such a child.
"""
import os

_CALLBACKS = []


def at_exit(fn):
    """Runs fn once, before this process's spool closes (last registered, first run). A forked
    child skips the callbacks it inherited: they flush its parent's state, not its own."""
    _CALLBACKS.append((os.getpid(), fn))


def run(log):
    """log(line): where a failed callback is said (the probe's log; passed in, as core imports
    this module, not the other way round)."""
    pid = os.getpid()
    while _CALLBACKS:
        owner, fn = _CALLBACKS.pop()
        if owner != pid:
            continue
        try:
            fn()
        except Exception as exc:  # one line, and the spool still closes
            log("exit work %s failed: %s: %s" % (getattr(fn, "__qualname__", fn), type(exc).__name__, exc))
