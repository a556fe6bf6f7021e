"""The two ways a process attaches the probe, and which one vLLM processes here would use (doctor)."""
import os
import sys

SITECUSTOMIZE = "PYTHONPATH sitecustomize"
PLUGIN = "plugin"
PLUGIN_GROUP = "vllm.general_plugins"


def sitecustomize_on_path():
    """True when the sitecustomize this interpreter ran is the probe's (probe/ on PYTHONPATH)."""
    module = sys.modules.get("sitecustomize")
    return module is not None and hasattr(module, "ProfilingConfig") and hasattr(module, "_start_probe")


def plugin_installed():
    """True when the entry point is installed and VLLM_PLUGINS, where set, lets vLLM load it."""
    from .plugin import NAME
    try:
        from importlib.metadata import entry_points
        found = any(ep.name == NAME for ep in entry_points(group=PLUGIN_GROUP))
    except Exception:
        return False
    allowed = os.environ.get("VLLM_PLUGINS")
    return found and (allowed is None or NAME in allowed.split(","))


def expected():
    """How a vLLM process started like this one attaches. sitecustomize goes first: it starts the
    probe at `import vllm`, before vLLM loads its plugins, and the plugin then stands down."""
    on_path, plugin = sitecustomize_on_path(), plugin_installed()
    return {"way": SITECUSTOMIZE if on_path else PLUGIN if plugin else "none",
            "sitecustomize_on_pythonpath": on_path, "plugin_installed": plugin}
