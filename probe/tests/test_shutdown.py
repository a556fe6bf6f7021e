"""The EngineCore's spool survives vLLM's default abort shutdown (targets/shutdown.py).

Real vLLM code: CoreEngineProcManager.shutdown(timeout=0), as AsyncLLM.shutdown calls it under
`--shutdown-timeout 0`, with vLLM's own get_engine_process_shutdown_timeout and SIGTERM-then-SIGKILL
helper. The engine process is a stand-in (a forked multiprocessing child with the probe on, SIGTERM
raising SystemExit as EngineCoreProc.run_engine_core's handler does): a real EngineCore needs a GPU
model. Its exit work takes 0.5 s (as the profilers' last GPU batches may), so without the grace
window vLLM's SIGKILL lands before the spool closes, every time.
"""
import os

import pytest

from conftest import run_python, spool_chunks

pytest.importorskip("vllm")

CODE = r"""
import multiprocessing as mp, signal, threading, time, weakref
import vllm.v1.engine.utils as eu
import profilemate_probe as p
from profilemate_probe.exiting import at_exit
pr = p.probe()
ctx = mp.get_context('fork')
ready = ctx.Event()

def engine_core():
    def on_term(signum, frame):
        raise SystemExit()
    signal.signal(signal.SIGTERM, on_term)
    pr.emit('cpu_operation', time.monotonic_ns(), 5, 'sampling', 'first')
    time.sleep(1.5)  # the spool thread writes its first chunk (flushes each second)
    for i in range(20):  # fewer than a flush's worth, just before SIGTERM: they sit in the buffer
        pr.emit('cpu_operation', time.monotonic_ns(), 5, 'sampling', 'step %d' % i)
    def last_batch():
        time.sleep(0.5)
        pr.emit('cpu_operation', time.monotonic_ns(), 7, 'sampling', 'at exit')
    at_exit(last_batch)
    ready.set()
    time.sleep(60)

c = ctx.Process(target=engine_core, name='EngineCore_DP0')
c.start()
ready.wait(30)
m = object.__new__(eu.CoreEngineProcManager)   # the manager's shutdown, without starting engines
m.manager_stopped = threading.Event()
m._finalizer = weakref.finalize(m, lambda: None)
m._request_shutdown_timeout = 0                # vllm serve's default --shutdown-timeout 0
m.processes = [c]
t = time.monotonic()
m.shutdown(timeout=0)
took = time.monotonic() - t
c.join(10)
print(pr.session_dir, c.pid, c.exitcode, round(took, 2))
"""


def _shut_down(session_base, **env):
    r = run_python(CODE, dict({"VLLM_PROFILING_DIR": session_base, "VLLM_ENABLE_PROFILING": "1"}, **env))
    assert r.returncode == 0, r.stderr[-3000:]
    session, pid, exitcode, took = r.stdout.split()
    # named as vLLM names the process: the probe takes the role from it
    spool = os.path.join(session, "raw", "engine_core-%s.0.pmspool" % pid)
    assert os.path.exists(spool), os.listdir(os.path.join(session, "raw"))  # its first chunk is on disk
    data = open(spool, "rb").read()
    flags = [h[4] for h, _, _ in spool_chunks(data)]
    return data, flags, int(exitcode), float(took), r.stderr


def test_the_engine_core_closes_its_spool_under_vllms_abort_shutdown(session_base):
    from profilemate_probe.spool import FLAG_FINAL
    data, flags, exitcode, took, err = _shut_down(session_base)
    assert exitcode == 0  # it exited from SIGTERM, not SIGKILL
    assert flags and flags[-1] == FLAG_FINAL
    assert all(b"step %d" % i in data for i in range(20)) and b"at exit" in data
    assert took < 5  # the wait ends when the process has exited, not at the grace's end
    assert err.count("waiting up to 5 s for it to exit and close its spool") == 1


@pytest.mark.parametrize("env", [{"VLLM_PROFILING_SHUTDOWN_GRACE": "0"},
                                 {"VLLM_WORKER_SHUTDOWN_TIMEOUT_SECONDS": "0"}])
def test_without_the_grace_vllm_kills_it_and_the_spool_is_cut(session_base, env):
    """The control: vLLM's own behaviour, kept when asked (the probe's switch, or vLLM's own window)."""
    from profilemate_probe.spool import FLAG_FINAL
    data, flags, exitcode, _took, err = _shut_down(session_base, **env)
    assert exitcode == -9  # SIGKILL
    assert not flags or flags[-1] != FLAG_FINAL
    assert b"first" in data and b"step 0" not in data and b"at exit" not in data
    assert "waiting up to" not in err
