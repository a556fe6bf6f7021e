"""Attach through vLLM's plugin loader: the wheel's `vllm.general_plugins` entry point.

vLLM calls load_general_plugins() in every process it runs (the API server while it builds its
engine config, EngineCore.__init__, each worker's init_worker), after vllm itself is imported and
before the scheduler and model runner are built. The probe starts there at once; its import hook
patches target modules already in sys.modules on the spot and the rest as they are imported.
The switches are the same as with PYTHONPATH (VLLM_ENABLE_PROFILING=0 off, =1 forced; the ENABLE_*
variables); a process that already attached through sitecustomize is left as it is.
"""
import os
import sys

NAME = "profilemate"  # the entry point's name: VLLM_PLUGINS, when set, must list it


def register():
    flag = os.environ.get("VLLM_ENABLE_PROFILING", "").strip()
    if flag == "0":
        return
    try:
        import profilemate_probe
        from . import attach
        profilemate_probe.bootstrap(None, force=(flag == "1"), attach=attach.PLUGIN)
    except Exception as exc:  # vLLM must start regardless
        sys.stderr.write("[profilemate] probe not started: %s\n" % exc)
