"""ProfileMate probe: records what vLLM does, from inside its processes.

Public API: bootstrap() (called by sitecustomize), install(), uninstall(), status().
Nothing here imports torch or vllm; profilers attach when vLLM's own modules load.
"""
from . import config as _config

_PROBE = None


def bootstrap(config_class=None, force=False):
    """Installs the import hook; activation waits for `import vllm` unless forced."""
    global _PROBE
    if _PROBE is not None:
        return _PROBE
    from .core import Probe
    _PROBE = Probe(_config.load(config_class))
    _PROBE.install(force=force)
    return _PROBE


def install(config_class=None, force=True):
    return bootstrap(config_class, force=force)


def uninstall():
    global _PROBE
    if _PROBE is not None:
        _PROBE.uninstall()
        _PROBE.close()
        _PROBE = None


def status():
    return [] if _PROBE is None else _PROBE.report()


def probe():
    return _PROBE
