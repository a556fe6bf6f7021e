"""The versions are declared once (profilemate_probe/versions.properties) and used from there."""
import os
import re

from conftest import REPO
from profilemate_probe import spool, versions


def test_the_probe_writes_the_declared_spool_version():
    assert (spool.MAJOR, spool.MINOR) == versions.SPOOL
    assert versions.SPOOL_OLDEST[0] == versions.SPOOL[0] and versions.SPOOL_OLDEST <= versions.SPOOL


def test_the_spec_names_the_same_major_and_the_wheel_takes_the_release():
    with open(os.path.join(REPO, "spool-format", "SPEC.md")) as f:
        assert re.search(r"version (\d+)", f.readline()).group(1) == str(versions.SPOOL[0])
    with open(os.path.join(REPO, "wheel", "pyproject.toml")) as f:
        assert 'version = "@VERSION@"' in f.read()  # scripts/build_wheel.sh puts the release there
    assert re.fullmatch(r"\d+\.\d+\.\d+", versions.RELEASE)
