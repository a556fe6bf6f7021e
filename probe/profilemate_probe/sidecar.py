"""Starts the engine's collector beside vLLM when Java 21+ and the jar are available."""
import glob
import os
import re
import shutil
import subprocess
import threading

MIN_JAVA = 21
_HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_JAR = os.path.normpath(os.path.join(_HERE, "..", "..", "engine", "target", "profilemate-all.jar"))


def java_major(java):
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return 0
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        return 0
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def find_java():
    candidates = [os.environ.get("PROFILEMATE_JAVA")]
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    candidates.append(shutil.which("java"))
    jvm_dirs = os.environ.get("PROFILEMATE_JAVA_DIRS", "/usr/lib/jvm")
    candidates += sorted(glob.glob(os.path.join(jvm_dirs, "*", "bin", "java")), reverse=True)
    for java in candidates:
        if java and os.path.isfile(java) and java_major(java) >= MIN_JAVA:
            return java
    return None


def find_jar():
    jar = os.environ.get("PROFILEMATE_JAR") or DEFAULT_JAR
    return jar if os.path.isfile(jar) else None


def metrics_args(environ=os.environ):
    """collect's /metrics flags from VLLM_PROFILING_METRICS_* (off unless a port is set)."""
    port = environ.get("VLLM_PROFILING_METRICS_PORT", "").strip()
    if not port or port == "0":
        return []
    args = ["--metrics-port", port]
    for env, flag in (("VLLM_PROFILING_METRICS_BIND", "--metrics-bind"),
                      ("VLLM_PROFILING_METRICS_LINGER", "--metrics-linger")):
        if environ.get(env, "").strip():
            args += [flag, environ[env].strip()]
    if environ.get("VLLM_PROFILING_METRICS_MOE_EXPERTS", "0") == "1":
        args.append("--metrics-moe-experts")
    return args


def start(session_dir, log):
    if os.environ.get("PROFILEMATE_SIDECAR", "1") == "0":
        return None
    java, jar = find_java(), find_jar()
    if not java or not jar:
        why = "Java %d+ not found" % MIN_JAVA if not java else "engine jar not built (%s)" % DEFAULT_JAR
        log("%s; raw spools are kept. Write the session files later with: profilemate export %s"
            % (why, session_dir))
        return None
    out = os.open(os.path.join(session_dir, "collector.log"),
                  os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        # beside a vLLM whose own CPU threads set its speed: one core's worth of JVM (GC, JIT),
        # at low priority, and `collect` keeps its refreshes to a tenth of that core
        nice = shutil.which("nice")
        cmd = ([nice, "-n", "10"] if nice else []) + [java, "-XX:ActiveProcessorCount=1", "-jar", jar,
                                                       "collect", session_dir, "--pid", str(os.getpid())]
        cmd += metrics_args()
        return subprocess.Popen(cmd,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True, close_fds=True)
    finally:
        os.close(out)


def _ended(code):
    if code < 0:
        try:
            import signal
            return "killed by %s" % signal.Signals(-code).name
        except (ValueError, ImportError):
            return "killed by signal %d" % -code
    return "exit status %d" % code


def start_async(session_dir, log):
    def run():
        try:
            proc = start(session_dir, log)
        except Exception as exc:
            log("collector not started: %s" % exc)
            return
        if proc is None:
            return
        # The collector waits for this process to end (--pid): an end before that is a fault
        # (killed, out of memory, a crash). vLLM and the spools go on; say once how to get the
        # session files. (This daemon thread dies with the process, which is the normal end.)
        code = proc.wait()
        log("collector (pid %d) ended while vLLM runs (%s); profiling goes on and the spools are kept: "
            "write the session files with: profilemate export %s" % (proc.pid, _ended(code), session_dir))
    threading.Thread(target=run, name="profilemate-sidecar", daemon=True).start()
