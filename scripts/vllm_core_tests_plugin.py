"""pytest plugin for scripts/vllm_core_tests.py, loaded in both runs (-p vllm_core_tests_plugin).

At the end of the session it writes, to $PROFILEMATE_CORE_TESTS_REPORT, where `vllm` was
imported from (it must be the installed package, not a source tree) and whether the probe was
running in this process, with its targets' states. It only reads: the probe is never imported
here (in the probe-off run sitecustomize leaves it unimported)."""
import json
import os
import sys


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("PROFILEMATE_CORE_TESTS_REPORT")
    if not path:
        return
    vllm = sys.modules.get("vllm")
    probe_mod = sys.modules.get("profilemate_probe")
    probe = probe_mod.probe() if probe_mod is not None else None
    attached = sorted(row["target"] for row in probe_mod.status() if row["state"] == "attached") \
        if probe is not None else []
    report = {
        "vllm_file": getattr(vllm, "__file__", None),
        "vllm_version": getattr(vllm, "__version__", None),
        "probe_running": probe is not None,
        "attached_targets": attached,
    }
    with open(path, "w") as f:
        json.dump(report, f, indent=1)
