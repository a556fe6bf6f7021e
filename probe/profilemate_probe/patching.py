"""Patch targets as data, a per-profiler circuit breaker, and reversible wrapping.

A target names (module, "Class.method", vLLM version range, hook factory). A hook factory
takes (original, profiler) and returns the replacement; the replacement must call the
original exactly once and hand back its result or exception unchanged.
"""
import functools

import sys

_MARK = "__profilemate_original__"


class PatchTarget:
    __slots__ = ("profiler", "module", "qualname", "versions", "factory", "optional", "note", "inherited_ok",
                 "params")

    def __init__(self, profiler, module, qualname, versions, factory, optional=False, note="", inherited_ok=False,
                 params=None):
        self.profiler = profiler
        self.module = module
        self.qualname = qualname
        self.versions = versions
        self.factory = factory
        self.optional = optional
        self.note = note
        # A target must be defined on its own class unless said otherwise: patching an inherited
        # method would shadow it there and, with a second target on the base, count twice.
        self.inherited_ok = inherited_ok
        # The hottest hooks take vLLM's parameters by name, without *args/**kwargs (which cost
        # a tuple, a dict and a slower call every time): such a target names the parameters it
        # was written for, and is left off (doctor says why) on a vLLM whose method differs.
        self.params = params

    @property
    def key(self):
        return "%s:%s" % (self.module, self.qualname)


def _parse(v):
    out = []
    for part in v.split("."):
        num = "".join(c for c in part if c.isdigit()) if part[:1].isdigit() else ""
        if not num:
            break
        out.append(int(num))
    return tuple(out)


def version_in(version, spec):
    """True when `version` satisfies every clause of `spec` (e.g. ">=0.14,<0.40")."""
    if not spec or not version:
        return True
    v = _parse(version)
    for clause in spec.split(","):
        clause = clause.strip()
        for op in (">=", "<=", "==", ">", "<"):
            if clause.startswith(op):
                ref = _parse(clause[len(op):])
                n = max(len(v), len(ref))
                a, b = v + (0,) * (n - len(v)), ref + (0,) * (n - len(ref))
                ok = {">=": a >= b, "<=": a <= b, "==": a == b, ">": a > b, "<": a < b}[op]
                if not ok:
                    return False
                break
    return True


class Profiler:
    """One profiler's switch. Its first hook failure turns it off with one log line."""

    def __init__(self, name, log, emit, out=None, on_disabled=None):
        self.name = name
        self.enabled = True
        self.failures = 0
        self.disabled_reason = None
        self._log = log
        self.emit = emit  # emit(record_name, *values): packed later, on the spool thread
        self.out = out  # out(bytes from spool.packer(name)(*values)): for the hottest hooks
        # on_disabled(profiler): after the line, so that the session says it too (profiler_status)
        self.on_disabled = on_disabled

    def log(self, msg):
        """One line in the probe's log (a hook's own notice, not a failure)."""
        self._log(msg)

    def fail(self, where, exc):
        # runs inside a hook's `except`: nothing here may raise into vLLM, not even an
        # exception whose str() fails
        self.failures += 1
        if self.enabled:
            self.enabled = False
            try:
                text = str(exc)
            except Exception:
                text = "(its message could not be read)"
            self.disabled_reason = "%s: %s: %s" % (where, type(exc).__name__, text)
            self._log("profiler %s disabled after a hook error in %s" % (self.name, self.disabled_reason))
            if self.on_disabled is not None:
                try:
                    self.on_disabled(self)
                except Exception:
                    pass


def resolve(target):
    """Returns (owner, attr, current) for a target whose module is imported; raises LookupError."""
    mod = sys.modules.get(target.module)
    if mod is None:
        raise LookupError("module %s not imported" % target.module)
    *path, attr = target.qualname.split(".")
    owner = mod
    for name in path:
        owner = getattr(owner, name, None)
        if owner is None:
            raise LookupError("%s has no %s" % (target.module, ".".join(path)))
    import inspect  # deferred: costs ~20 ms, and only vLLM processes get here
    try:
        # getattr_static keeps staticmethod objects as they are stored on the class
        current = inspect.getattr_static(owner, attr)
    except AttributeError:
        raise LookupError("%s has no attribute %s" % (".".join([target.module] + path), attr)) from None
    if isinstance(owner, type) and not target.inherited_ok and attr not in vars(owner):
        raise LookupError("%s.%s is inherited, not defined there" % (target.module, target.qualname))
    if target.params is not None and getattr(current, _MARK, None) is None:
        found = _plain_params(current)
        if found != tuple(target.params):
            raise LookupError("%s.%s takes (%s), the hook was written for (%s)" % (
                target.module, target.qualname, ", ".join(found or ("?",)), ", ".join(target.params)))
    return owner, attr, current


def _plain_params(fn):
    """fn's parameter names if all are plain positional-or-keyword ones without defaults, else None."""
    import inspect
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is not p.POSITIONAL_OR_KEYWORD or p.default is not p.empty for p in params):
        return None
    return tuple(p.name for p in params)


def one_more_param(fn):
    """The name of fn's one plain parameter after self; "" when it takes self alone; None for any
    other shape. A hook that mirrors such a signature takes no *args/**kwargs: a new dict on every
    call is dear in the hottest hook (and, being a container, brings the cyclic GC round sooner)."""
    import inspect
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    if not 1 <= len(params) <= 2 or any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in params):
        return None
    return params[1].name if len(params) == 2 else ""


def rename_param(fn, old, new):
    """Renames fn's parameter `old` to `new`, so that callers passing it by keyword reach it; False
    (fn unchanged) when `new` already names one of fn's variables."""
    code = fn.__code__
    if new in code.co_varnames or new in code.co_freevars or new in code.co_cellvars:
        return False
    fn.__code__ = code.replace(co_varnames=tuple(new if v == old else v for v in code.co_varnames))
    return True


def wrap(target, profiler):
    """Installs the hook; idempotent. Returns False when it was already installed."""
    owner, attr, current = resolve(target)
    if getattr(current, _MARK, None) is not None:
        return False
    # static and class methods are stored as descriptors: wrap the function inside and store
    # the replacement as the same kind of descriptor (calling a classmethod object fails)
    kind = type(current) if isinstance(current, (staticmethod, classmethod)) else None
    original = current.__func__ if kind else current
    replacement = target.factory(original, profiler)
    functools.update_wrapper(replacement, original)
    setattr(replacement, _MARK, current)
    replacement.__profilemate_owned__ = attr in vars(owner)
    setattr(owner, attr, kind(replacement) if kind else replacement)
    return True


def unwrap(target):
    try:
        owner, attr, current = resolve(target)
    except LookupError:
        return False
    fn = current.__func__ if isinstance(current, (staticmethod, classmethod)) else current
    original = getattr(fn, _MARK, None)
    if original is None:
        return False
    if getattr(fn, "__profilemate_owned__", True):
        setattr(owner, attr, original)
    else:
        delattr(owner, attr)  # the method was inherited: uncover the base class's again
    return True
