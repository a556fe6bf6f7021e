"""Activation as SPEC §1 states it, in fresh interpreters (no vLLM needed)."""
import os
import subprocess
import sys

from conftest import PROBE, run_python, spool_chunks


def test_sitecustomize_is_loaded():
    r = run_python("import sys; print('sitecustomize' in sys.modules)")
    assert r.stdout.strip() == "True", r.stderr


def test_plain_script_makes_no_session_and_imports_neither_torch_nor_vllm(session_base):
    r = run_python("import sys, json; print(json.dumps(['torch' in sys.modules, 'vllm' in sys.modules]))",
                   {"VLLM_PROFILING_DIR": session_base})
    assert r.stdout.strip() == "[false, false]", r.stderr
    assert not os.path.exists(session_base)
    assert "Instrumentation Loaded" not in r.stderr


def test_forced_on_announces_once_and_creates_private_session(session_base):
    r = run_python("import time, profilemate_probe as p; pr = p.probe(); "
                   "pr.emit('cpu_operation', time.monotonic_ns(), 1, 'sampling', ''); print(pr.session_dir)",
                   {"VLLM_PROFILING_DIR": session_base, "VLLM_ENABLE_PROFILING": "1"})
    assert r.stderr.count("[sitecustomize] vLLM Comprehensive Instrumentation Loaded") == 1, r.stderr
    session = r.stdout.strip()
    assert os.path.basename(session).startswith("session_")
    assert os.stat(session).st_mode & 0o777 == 0o700
    spools = [n for n in os.listdir(os.path.join(session, "raw")) if n.endswith(".pmspool")]
    assert len(spools) == 1 and spools[0].startswith("main-") and spools[0].endswith(".0.pmspool"), spools


def test_forced_off_does_nothing_even_when_vllm_is_named(session_base, tmp_path):
    fake = tmp_path / "fakes"
    (fake / "vllm").mkdir(parents=True)
    (fake / "vllm" / "__init__.py").write_text("")
    r = run_python("import vllm, sys; print('profilemate_probe' in sys.modules)",
                   {"VLLM_PROFILING_DIR": session_base, "VLLM_ENABLE_PROFILING": "0"},
                   pythonpath=PROBE + os.pathsep + str(fake))
    assert r.stdout.strip() == "False", r.stderr
    assert not os.path.exists(session_base)


def test_importing_vllm_activates(session_base, tmp_path):
    fake = tmp_path / "fakes"
    (fake / "vllm").mkdir(parents=True)
    (fake / "vllm" / "__init__.py").write_text("")
    r = run_python("import vllm; import profilemate_probe as p; print(p.probe().active)",
                   {"VLLM_PROFILING_DIR": session_base}, pythonpath=PROBE + os.pathsep + str(fake))
    assert r.stdout.strip() == "True", r.stderr
    assert r.stderr.count("Instrumentation Loaded") == 1
    assert len(os.listdir(session_base)) == 1


def test_chains_to_the_environments_own_sitecustomize(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    marker = tmp_path / "marker"
    (other / "sitecustomize.py").write_text("open(%r, 'w').write('ran')\n" % str(marker))
    r = run_python("print('ok')", pythonpath=PROBE + os.pathsep + str(other))
    assert r.stdout.strip() == "ok", r.stderr
    assert marker.read_text() == "ran"


def test_two_sessions_in_one_second_get_two_folders(session_base):
    code = "import profilemate_probe as p; print(p.probe().session_dir)"
    env = {"VLLM_PROFILING_DIR": session_base, "VLLM_ENABLE_PROFILING": "1"}
    a = run_python(code, env).stdout.strip()
    b = run_python(code, env).stdout.strip()
    assert a and b and a != b


def test_symlinked_profiling_dir_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    r = run_python("import profilemate_probe as p; print(p.probe().session_dir)",
                   {"VLLM_PROFILING_DIR": str(link), "VLLM_ENABLE_PROFILING": "1"})
    assert r.returncode == 0
    assert "symlink" in r.stderr
    assert os.listdir(real) == []


def test_unwritable_profiling_dir_turns_profiling_off_not_the_process(tmp_path):
    r = run_python("print('still running')",
                   {"VLLM_PROFILING_DIR": "/proc/profilemate-cannot-exist", "VLLM_ENABLE_PROFILING": "1"})
    assert r.returncode == 0 and r.stdout.strip() == "still running"
    assert "profiling off" in r.stderr


def test_a_process_that_records_nothing_leaves_no_spool(session_base):
    r = run_python("import profilemate_probe as p; print(p.probe().session_dir)",
                   {"VLLM_PROFILING_DIR": session_base, "VLLM_ENABLE_PROFILING": "1"})
    assert os.listdir(os.path.join(r.stdout.strip(), "raw")) == []


def test_forked_child_gets_its_own_spool_only_when_it_records(session_base):
    code = (
        "import os, time, profilemate_probe as p\n"
        "pr = p.probe()\n"
        "pr.emit('cpu_operation', time.monotonic_ns(), 5, 'sampling', '')\n"
        "for records in (False, True):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        if records:\n"
        "            pr.emit('cpu_operation', time.monotonic_ns(), 5, 'sampling', '')\n"
        "        pr.close()\n"
        "        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n"
        "print(pr.session_dir)\n")
    r = run_python(code, {"VLLM_PROFILING_DIR": session_base, "VLLM_ENABLE_PROFILING": "1"})
    assert r.returncode == 0, r.stderr
    spools = [n for n in os.listdir(os.path.join(r.stdout.strip(), "raw")) if n.endswith(".pmspool")]
    assert len(spools) == 2, spools


def _last_chunk_flags(path):
    with open(path, "rb") as f:
        flags = [header[4] for header, _, _ in spool_chunks(f.read())]
    return flags[-1] if flags else None


def _with_a_forked_child(session_base, parent, child):
    """Runs `parent` (code), then a multiprocessing fork child whose target runs `child`, with
    the probe forced on and bound to `pr`. Returns (raw spool folder, the child's spool path)."""
    code = ("import multiprocessing as mp, time, profilemate_probe as p\n"
            "from profilemate_probe.exiting import at_exit\n"
            "pr = p.probe()\n" + parent +
            "def child():\n" + "".join("    %s\n" % line for line in child.splitlines()) +
            "c = mp.get_context('fork').Process(target=child)\n"
            "c.start(); c.join()\n"
            "print(pr.session_dir, c.pid)\n")
    r = run_python(code, {"VLLM_PROFILING_DIR": session_base, "VLLM_ENABLE_PROFILING": "1"})
    assert r.returncode == 0, r.stderr
    session, pid = r.stdout.split()
    raw = os.path.join(session, "raw")
    return raw, os.path.join(raw, "main-%s.0.pmspool" % pid)  # segment 0 (segments.py)


def test_a_multiprocessing_child_finishes_its_work_and_closes_its_spool(session_base):
    """multiprocessing's forked children end with os._exit, so atexit never runs there. vLLM's
    EngineCore is one under LLM(...) (forked while CUDA is not yet up): its spool must still end
    with the final chunk, after the profilers' own exit work (their last GPU batches)."""
    raw, child = _with_a_forked_child(session_base, "", (
        "pr.emit('cpu_operation', time.monotonic_ns(), 5, 'sampling', '')\n"
        "at_exit(lambda: pr.emit('cpu_operation', time.monotonic_ns(), 7, 'sampling', 'at exit'))"))
    # the parent recorded nothing; the index lists the child's one segment, closed at its exit
    assert sorted(os.listdir(raw)) == sorted([os.path.basename(child), "segments.jsonl"])
    from profilemate_probe.spool import FLAG_FINAL
    assert _last_chunk_flags(child) == FLAG_FINAL
    assert b"at exit" in open(child, "rb").read()


def test_a_multiprocessing_child_that_imports_vllm_itself_closes_its_spool(session_base, tmp_path):
    """The probe activates in the child (vLLM first imported in its target): the child's
    after-fork hooks have run by then, so the probe registers its close at activation."""
    fake = tmp_path / "fakes"
    (fake / "vllm").mkdir(parents=True)
    (fake / "vllm" / "__init__.py").write_text("")
    code = (
        "import multiprocessing as mp, sys, time\n"
        "def child():\n"
        "    import vllm, profilemate_probe as p\n"
        "    p.probe().emit('cpu_operation', time.monotonic_ns(), 5, 'sampling', '')\n"
        "c = mp.get_context('fork').Process(target=child)\n"
        "c.start(); c.join()\n"
        "print(c.pid, 'vllm' in sys.modules)\n")
    r = run_python(code, {"VLLM_PROFILING_DIR": session_base}, pythonpath=PROBE + os.pathsep + str(fake))
    assert r.returncode == 0, r.stderr
    pid, parent_imported = r.stdout.split()
    assert parent_imported == "False"
    (session,) = os.listdir(session_base)
    path = os.path.join(session_base, session, "raw", "main-%s.0.pmspool" % pid)
    from profilemate_probe.spool import FLAG_FINAL
    assert _last_chunk_flags(path) == FLAG_FINAL


def test_a_forked_child_skips_the_exit_work_it_inherited(session_base):
    """Exit callbacks flush the state of the process that registered them (its GPU batches): a
    forked child must not flush its parent's copy of that state into its own spool."""
    raw, child = _with_a_forked_child(
        session_base,
        "at_exit(lambda: pr.emit('cpu_operation', time.monotonic_ns(), 7, 'sampling', 'parent state'))\n",
        "pr.emit('cpu_operation', time.monotonic_ns(), 5, 'sampling', 'child')")
    data = open(child, "rb").read()
    assert b"child" in data and b"parent state" not in data
    (parent,) = [f for f in os.listdir(raw) if f.endswith(".pmspool") and f != os.path.basename(child)]
    assert b"parent state" in open(os.path.join(raw, parent), "rb").read()


def test_failing_exit_work_says_so_in_one_line_and_the_spool_still_closes(session_base):
    code = ("import time, profilemate_probe as p\n"
            "from profilemate_probe.exiting import at_exit\n"
            "pr = p.probe()\n"
            "pr.emit('cpu_operation', time.monotonic_ns(), 5, 'sampling', '')\n"
            "def flush_timer(): raise RuntimeError('CUDA gone')\n"
            "at_exit(flush_timer)\n"
            "print(pr.session_dir)\n")
    r = run_python(code, {"VLLM_PROFILING_DIR": session_base, "VLLM_ENABLE_PROFILING": "1"})
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stderr.splitlines() if "exit work" in l]
    assert lines == ["[profilemate] exit work flush_timer failed: RuntimeError: CUDA gone"], r.stderr
    raw = os.path.join(r.stdout.strip(), "raw")
    (spool,) = [n for n in os.listdir(raw) if n.endswith(".pmspool")]
    from profilemate_probe.spool import FLAG_FINAL
    assert _last_chunk_flags(os.path.join(raw, spool)) == FLAG_FINAL


def test_the_api_server_started_with_python_m_is_named_so(tmp_path):
    """`python -m vllm.entrypoints.openai.api_server` imports vLLM (and opens the spool) while
    sys.argv[0] is still "-m": the role comes from the interpreter's command line then."""
    pkg = tmp_path / "fakeapi"
    pkg.mkdir()
    # the package __init__ runs while the module is being located, as vllm/__init__ does
    (pkg / "__init__.py").write_text(
        "import sys\nfrom profilemate_probe.session import detect_role\n"
        "print('ROLE', sys.argv[0], detect_role()[0])\n")
    (pkg / "api_server.py").write_text("")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH="%s:%s" % (tmp_path, PROBE), VLLM_ENABLE_PROFILING="0")
    r = subprocess.run([sys.executable, "-m", "fakeapi.api_server"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stdout.splitlines() if l.startswith("ROLE")][0]
    assert line == "ROLE -m api_server"
