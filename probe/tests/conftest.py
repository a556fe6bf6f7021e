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


def truths_of(procs, timeout=900):
    """Waits for driver processes and returns the JSON each printed on its `TRUTH ` line, in order."""
    import json
    out_all = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, err[-3000:]
        line = [x for x in out.splitlines() if x.startswith("TRUTH ")]
        assert line, (out[-2000:], err[-3000:])
        out_all.append(json.loads(line[0][6:]))
    return out_all


def spool_chunks(data):
    """(chunk header fields, payload start, payload end) of every chunk of a spool's bytes."""
    from profilemate_probe.spool import CHUNK_HEADER
    pos = 0
    while pos + CHUNK_HEADER.size <= len(data):
        header = CHUNK_HEADER.unpack_from(data, pos)
        start = pos + CHUNK_HEADER.size
        pos = start + header[5]
        yield header, start, pos


@pytest.fixture
def session_base(tmp_path):
    base = tmp_path / "profiling"
    return str(base)
