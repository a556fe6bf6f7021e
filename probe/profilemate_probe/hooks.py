"""Hook factories shared by the profiler modules.

Every replacement calls the original exactly once and returns its result (or lets its
exception through) unchanged; the probe's own work runs in try/except and trips the
profiler's breaker on the first error.
"""
from time import monotonic_ns


def after(callback):
    """callback(prof, args, kwargs, result, t0_ns, t1_ns) runs after a successful call."""
    def factory(original, prof):
        where = getattr(original, "__qualname__", "?")

        def replacement(*args, **kwargs):
            if not prof.enabled:
                return original(*args, **kwargs)
            t0 = monotonic_ns()
            result = original(*args, **kwargs)
            t1 = monotonic_ns()
            try:
                callback(prof, args, kwargs, result, t0, t1)
            except Exception as exc:
                prof.fail(where, exc)
            return result
        return replacement
    return factory


def around(before, callback):
    """before(prof, args, kwargs) -> ctx runs first; callback(prof, args, kwargs, result, ctx, t0, t1) after."""
    def factory(original, prof):
        where = getattr(original, "__qualname__", "?")

        def replacement(*args, **kwargs):
            if not prof.enabled:
                return original(*args, **kwargs)
            try:
                ctx = before(prof, args, kwargs)
            except Exception as exc:
                prof.fail(where, exc)
                return original(*args, **kwargs)
            t0 = monotonic_ns()
            result = original(*args, **kwargs)
            t1 = monotonic_ns()
            try:
                callback(prof, args, kwargs, result, ctx, t0, t1)
            except Exception as exc:
                prof.fail(where, exc)
            return result
        return replacement
    return factory
