"""The versions in versions.properties (release, spool format), for the probe and the wheel build."""
import os

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "versions.properties")


def load(path=_PATH):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    return values


def _major_minor(text):
    major, minor = text.split(".")
    return int(major), int(minor)


_VALUES = load()
RELEASE = _VALUES["release"]
SPOOL = _major_minor(_VALUES["spool"])          # (major, minor) the probe writes
SPOOL_OLDEST = _major_minor(_VALUES["spool.oldest"])

if __name__ == "__main__":  # scripts/build_wheel.sh: python -m profilemate_probe.versions
    print(RELEASE)
