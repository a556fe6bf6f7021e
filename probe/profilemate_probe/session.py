"""The session folder: created once by the first profiled process, joined by its children.

Children spawned by vLLM inherit PROFILEMATE_SESSION_DIR from the environment, so the
API server, EngineCore and workers of one launch write into one session.
"""
import datetime
import os
import socket
import stat
import sys
import time

SESSION_ENV = "PROFILEMATE_SESSION_DIR"
OWNER_ENV = "PROFILEMATE_SESSION_OWNER"
DEFAULT_BASE = "/tmp/vllm_profiling"


class SessionError(Exception):
    pass


def _private_dir(path, create):
    """Returns path after checking it is a real directory (never a symlink) we own."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if not create:
            raise SessionError("%s does not exist" % path)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise SessionError("%s is a symlink; refusing to follow it" % path)
    if not stat.S_ISDIR(st.st_mode):
        raise SessionError("%s is not a directory" % path)
    if st.st_uid != os.getuid():
        raise SessionError("%s belongs to another user" % path)
    return path


def open_session(base=None, now=None):
    """Joins the inherited session, or creates a new unique one. Returns (path, created)."""
    inherited = os.environ.get(SESSION_ENV)
    if inherited:
        _private_dir(inherited, create=False)
        _private_dir(os.path.join(inherited, "raw"), create=True)
        return inherited, False
    base = base or os.environ.get("VLLM_PROFILING_DIR") or DEFAULT_BASE
    _private_dir(base, create=True)
    stamp = (now or datetime.datetime.now()).strftime("session_%Y%m%d_%H%M%S")
    for n in range(1000):
        path = os.path.join(base, stamp if n == 0 else "%s_%d" % (stamp, n))
        try:
            os.mkdir(path, 0o700)  # atomic: two servers starting in one second get two folders
        except FileExistsError:
            continue
        os.mkdir(os.path.join(path, "raw"), 0o700)
        os.environ[SESSION_ENV] = path
        os.environ[OWNER_ENV] = str(os.getpid())
        return path, True
    raise SessionError("no free session name under %s" % base)


def detect_role():
    """(role, rank) from the multiprocessing name vLLM gives its processes, else argv."""
    name = ""
    mp = sys.modules.get("multiprocessing")
    if mp is not None:
        try:
            name = mp.current_process().name
        except Exception:
            name = ""
    rank = -1
    digits = "".join(c if c.isdigit() else " " for c in name).split()
    if name.startswith("EngineCore"):
        return "engine_core", int(digits[-1]) if digits else 0
    if "Worker" in name:
        return "worker", int(digits[-1]) if digits else rank
    if "APIServer" in name or "ApiServer" in name:
        return "api_server", int(digits[-1]) if digits else 0
    # While `python -m MODULE` imports MODULE (when vLLM and so the probe load), sys.argv[0] is
    # still "-m": the interpreter's own command line has the module name.
    argv = " ".join(sys.argv[:3] + list(getattr(sys, "orig_argv", ()))[:4])
    if "serve" in argv or "api_server" in argv:
        return "api_server", 0
    return "main", rank


NODE_ENV = "VLLM_PROFILING_NODE"


def node_name():
    """The node a process runs on: the host name, unless VLLM_PROFILING_NODE names it (containers
    that all call themselves "localhost"). Processes of one node share CLOCK_MONOTONIC; the engine
    aligns those of different nodes through their clock anchors."""
    return os.environ.get(NODE_ENV) or socket.gethostname()


def process_metadata(role, rank, profilers, config):
    mono, wall = time.monotonic_ns(), time.time_ns()
    return {
        "format": "profilemate-spool",
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "role": role,
        "rank": rank,
        "host": node_name(),
        "clock": {"monotonic_ns": mono, "wall_ns": wall},
        "python": sys.version.split()[0],
        "profilers": sorted(profilers),
        "config": config,
    }
