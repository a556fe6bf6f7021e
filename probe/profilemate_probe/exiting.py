"""Work that must finish before a process's spool closes (the profilers' last GPU batches).

atexit alone misses multiprocessing's forked children: they end with os._exit. vLLM's
EngineCore is one under LLM(...), which forks it while CUDA is not yet up. So the probe runs
these callbacks, then closes the spool, both at interpreter exit and from a multiprocessing
finalizer in such a child.
"""
_CALLBACKS = []


def at_exit(fn):
    """Runs fn once, before this process's spool closes (last registered, first run)."""
    _CALLBACKS.append(fn)


def run():
    while _CALLBACKS:
        fn = _CALLBACKS.pop()
        try:
            fn()
        except Exception:
            pass  # each callback reports its own failure; the spool must still close

