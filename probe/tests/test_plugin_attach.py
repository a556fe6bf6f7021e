"""Attach through vLLM's own plugin loader (the wheel's vllm.general_plugins entry point), on the real
vLLM: the probe starts inside load_general_plugins(), patches the modules vLLM had imported before,
and with PYTHONPATH attach as well the process still attaches once."""
import json
import os

import pytest

from conftest import PROBE, run_python

pytest.importorskip("vllm")

# What vLLM's processes do, in their order: import vLLM (EngineCore's module imports the scheduler),
# load the general plugins (EngineCore.__init__), then build and run a Scheduler.
PROCESS = """
import json, sys, time
import vllm.v1.core.sched.scheduler as sched_mod
patched_before = hasattr(sched_mod.Scheduler.schedule, "__profilemate_original__")
from vllm.plugins import load_general_plugins
load_general_plugins()
import profilemate_probe as p
from profilemate_probe.plugin import register
register()  # vLLM may load the plugins again (another loader, a fork): still one probe
pr = p.probe()
print(json.dumps({"attached_by": p.attached_by(), "active": bool(pr and pr.active),
                  "patched_before": patched_before,
                  "patched": hasattr(sched_mod.Scheduler.schedule, "__profilemate_original__"),
                  "session": pr.session_dir if pr else None}))
"""


@pytest.fixture
def installed(tmp_path):
    """The probe as the wheel installs it: a site folder with profilemate_probe (no sitecustomize)
    and a dist-info declaring the entry point, found by importlib.metadata like any installed one."""
    site = tmp_path / "site"
    site.mkdir()
    os.symlink(os.path.join(PROBE, "profilemate_probe"), str(site / "profilemate_probe"))
    info = site / "profilemate-0.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: profilemate\nVersion: 0.0.0\n")
    (info / "entry_points.txt").write_text(
        "[vllm.general_plugins]\nprofilemate = profilemate_probe.plugin:register\n")
    return str(site)


def _run(pythonpath, session_base, extra=None):
    env = {"VLLM_PROFILING_DIR": session_base, "HF_HUB_OFFLINE": "1"}
    env.update(extra or {})
    r = run_python(PROCESS, env, pythonpath=pythonpath)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1]), r.stderr


def test_the_plugin_attaches_and_patches_modules_vllm_imported_before(installed, session_base):
    out, err = _run(installed, session_base)
    assert out["attached_by"] == "plugin" and out["active"], err[-3000:]
    assert not out["patched_before"] and out["patched"]
    assert err.count("Instrumentation Loaded") == 1
    assert os.listdir(session_base) == [os.path.basename(out["session"])]


def test_pythonpath_and_plugin_together_attach_once(installed, session_base):
    out, err = _run(PROBE + os.pathsep + installed, session_base)
    assert out["attached_by"] == "PYTHONPATH sitecustomize" and out["active"]
    assert out["patched_before"] and out["patched"]  # sitecustomize attached at `import vllm`
    assert err.count("Instrumentation Loaded") == 1
    assert len(os.listdir(session_base)) == 1


def test_the_plugin_obeys_the_same_switches(installed, session_base):
    out, _ = _run(installed, session_base, {"VLLM_ENABLE_PROFILING": "0"})
    assert out["attached_by"] is None and not out["active"]
    assert not os.path.exists(session_base)
    out, _ = _run(installed, session_base, {"VLLM_PLUGINS": "someone_else"})
    assert out["attached_by"] == "plugin"  # our register() above; vLLM's loader skipped it
    r = run_python("from vllm.plugins import load_general_plugins; load_general_plugins(); "
                   "import sys; print('profilemate_probe' in sys.modules)",
                   {"VLLM_PROFILING_DIR": session_base, "VLLM_PLUGINS": "someone_else"}, pythonpath=installed)
    assert r.stdout.strip().splitlines()[-1] == "False", r.stderr[-2000:]


def test_doctor_says_how_vllm_processes_here_attach(installed):
    for pythonpath, way in ((installed, "plugin"), (PROBE + os.pathsep + installed, "PYTHONPATH sitecustomize"),
                            (PROBE, "PYTHONPATH sitecustomize")):
        r = run_python("from profilemate_probe import attach; print(attach.expected()['way'])",
                       {"VLLM_ENABLE_PROFILING": "0"}, pythonpath=pythonpath)
        assert r.stdout.strip().splitlines()[-1] == way, (pythonpath, r.stderr[-2000:])
