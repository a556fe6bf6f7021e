#!/usr/bin/env bash
# Prints the python of a small venv holding Perfetto's Python package (its trace protos, perfetto_trace_pb2)
# and protobuf, for the timeline tests (probe/tests/test_timeline.py); made from PyPI once, into
# ~/.cache/profilemate/perfetto-venv (PM_PERFETTO_VENV to move it), as bench/export_scale.sh makes its DuckDB one.
# Perfetto's TraceProcessor would download trace_processor_shell from the internet at run time; the
# wheel ships no binary, so the tests read the trace with the protos instead.
set -euo pipefail
VENV=${PM_PERFETTO_VENV:-$HOME/.cache/profilemate/perfetto-venv}
PERFETTO=0.59.1
if ! "$VENV/bin/python" -c "import perfetto.protos.perfetto.trace.perfetto_trace_pb2" 2>/dev/null; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q "perfetto==$PERFETTO" protobuf >&2
fi
echo "$VENV/bin/python"
