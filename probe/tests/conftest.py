import os
import subprocess
import sys

import pytest

PROBE = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
REPO = os.path.dirname(PROBE)
sys.path.insert(0, PROBE)


def run_python(code, env_extra=None, pythonpath=PROBE, python=sys.executable, cwd=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VLLM_", "PROFILEMATE_", "ENABLE_")) and k != "PYTHONPATH"}
    env["PYTHONPATH"] = pythonpath
    env["PROFILEMATE_SIDECAR"] = "0"
    env.update(env_extra or {})
    return subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


@pytest.fixture
def session_base(tmp_path):
    base = tmp_path / "profiling"
    return str(base)
