"""ProfileMate probe: records what vLLM does, from inside its processes.

Public API: bootstrap() (called by sitecustomize and by the vLLM plugin, profilemate_probe.plugin),
install(), uninstall(), status(), probe(), attached_by().
Nothing here imports torch or vllm. Until a process imports vllm, the only cost is one
tiny import finder; the probe proper loads when `import vllm` starts.
"""
import sys

_PROBE = None
# How this process attached (attach.SITECUSTOMIZE or attach.PLUGIN): the first bootstrap() wins and
# every later one is a no-op, so PYTHONPATH and the plugin together attach once.
_ATTACHED_BY = None


class _AwaitVllm:
    """Answers for `vllm` once: loads the probe, then hands the import to the probe's hook."""

    def __init__(self, config_class):
        self._config_class = config_class

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "vllm":
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            return None
        try:
            probe = _make(self._config_class, force=False)
            return probe.hook.find_spec(fullname, path, target)
        except Exception as exc:  # vLLM must import regardless
            sys.stderr.write("[profilemate] probe not started: %s\n" % exc)
            return None


def _make(config_class, force):
    global _PROBE
    if _PROBE is None:
        from . import config
        from .core import Probe
        _PROBE = Probe(config.load(config_class))
        _PROBE.install(force=force)
    return _PROBE


def bootstrap(config_class=None, force=False, attach="PYTHONPATH sitecustomize"):
    """Forced: the probe starts now. Otherwise it waits, nearly free, for `import vllm` (started
    already when vllm is imported, as it is when vLLM loads its plugins). Once per process."""
    global _ATTACHED_BY
    if _ATTACHED_BY is not None:
        return _PROBE
    _ATTACHED_BY = attach
    if force or "vllm" in sys.modules:
        return _make(config_class, force=True)
    if not any(isinstance(f, _AwaitVllm) for f in sys.meta_path):
        sys.meta_path.insert(0, _AwaitVllm(config_class))
    return None


def install(config_class=None, force=True):
    return _make(config_class, force=force)


def uninstall():
    global _PROBE
    if _PROBE is not None:
        _PROBE.uninstall()
        _PROBE.close()
        _PROBE = None
# How this process attached (attach.SITECUSTOMIZE or attach.PLUGIN): the first bootstrap() wins and
# every later one is a no-op, so PYTHONPATH and the plugin together attach once.
_ATTACHED_BY = None


def status():
    return [] if _PROBE is None else _PROBE.report()


def probe():
    return _PROBE


def attached_by():
    """"PYTHONPATH sitecustomize", "plugin", or None where neither bootstrapped this process."""
    return _ATTACHED_BY
