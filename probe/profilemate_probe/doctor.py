"""Which probe targets attach on the installed vLLM, and why not.

python -m profilemate_probe.doctor [--json]   (profilemate doctor runs this)
"""
import importlib
import json
import sys

from . import attach, config
from .core import Probe


def diagnose():
    probe = Probe(config.load(), announce=False)
    probe.install(force=False)
    probe.activate(session=False)  # attach for real, but write no session
    import_errors = {}
    for target in probe.targets:
        if target.module in import_errors or target.module in sys.modules:
            continue
        try:
            importlib.import_module(target.module)
        except Exception as exc:
            import_errors[target.module] = "%s: %s" % (type(exc).__name__, exc)
    rows = probe.report()
    for row in rows:
        module = row["target"].split(":")[0]
        if row["state"] == "missing" and module in import_errors:
            row["reason"] = "module import failed: " + import_errors[module]
    probe.uninstall()
    return {"vllm_version": probe.vllm_version(), "python": sys.version.split()[0], "targets": rows,
            "attach": attach.expected()}


def main(argv):
    result = diagnose()
    if "--json-out" in argv:  # vLLM may log to stdout: the JSON goes to its own file
        with open(argv[argv.index("--json-out") + 1], "w") as f:
            json.dump(result, f, indent=2, sort_keys=True)
        return 0
    if "--json" in argv:
        json.dump(result, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return 0
    print("vLLM %s, Python %s" % (result["vllm_version"] or "not installed", result["python"]))
    print("attach: %s" % result["attach"]["way"])
    for r in result["targets"]:
        flag = "" if not r["optional"] else " (optional)"
        print("  %-9s %-11s %s%s%s" % (r["state"], r["profiler"], r["target"], flag,
                                      "  -- " + r["reason"] if r["reason"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
