"""Reads a Perfetto trace with Perfetto's own protos (perfetto_trace_pb2 from PyPI's `perfetto`
package) and prints, as JSON, what a trace processor makes of it: tracks (with their process
groups), slices with depth, duration and args, instants and counter values. Events are taken in
timestamp order, ties in file order (as trace_processor's sorter does), and slice begin/end are
matched per track; anything trace_processor would flag (an end without a begin, a slice left open,
an event on an undeclared track, a child outlasting its parent) is listed under "errors".

Run with the venv of scripts/perfetto_venv.sh: python perfetto_read.py TRACE > out.json
(trace_processor_shell itself is a download from the internet, which the tests cannot reach.)
"""
import json
import sys

from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb

T = pb.TrackEvent


def _args(ev):
    out = {}
    for a in ev.debug_annotations:
        kind = a.WhichOneof("value")
        out[a.name] = getattr(a, kind) if kind else None
    return out


def read(path):
    trace = pb.Trace()
    with open(path, "rb") as f:
        trace.ParseFromString(f.read())
    tracks, events, errors = {}, [], []
    for i, p in enumerate(trace.packet):
        if p.HasField("track_descriptor"):
            d = p.track_descriptor
            tracks[d.uuid] = {
                "uuid": d.uuid, "name": d.name, "parent": d.parent_uuid or None,
                "pid": d.process.pid if d.HasField("process") else None,
                "process_name": d.process.process_name if d.HasField("process") else None,
                "labels": list(d.process.process_labels) if d.HasField("process") else [],
                "counter": d.HasField("counter"), "unit": d.counter.unit_name if d.HasField("counter") else None,
            }
            if events:
                errors.append("track descriptor %d after the first event" % d.uuid)
        elif p.HasField("track_event"):
            events.append((p.timestamp, i, p.track_event))
    events.sort(key=lambda e: (e[0], e[1]))
    stacks, slices, instants, counters = {}, [], [], []
    for ts, _, ev in events:
        if ev.track_uuid not in tracks:
            errors.append("event on undeclared track %d" % ev.track_uuid)
            continue
        stack = stacks.setdefault(ev.track_uuid, [])
        if ev.type == T.TYPE_SLICE_BEGIN:
            s = {"track": ev.track_uuid, "name": ev.name, "ts": ts, "dur": None, "depth": len(stack),
                 "args": _args(ev), "parent": stack[-1]["name"] if stack else None}
            stack.append(s)
            slices.append(s)
        elif ev.type == T.TYPE_SLICE_END:
            if not stack:
                errors.append("end without begin on track %d at %d" % (ev.track_uuid, ts))
                continue
            s = stack.pop()
            s["dur"] = ts - s["ts"]
        elif ev.type == T.TYPE_INSTANT:
            instants.append({"track": ev.track_uuid, "name": ev.name, "ts": ts, "depth": len(stack),
                             "parent": stack[-1]["name"] if stack else None, "args": _args(ev)})
        elif ev.type == T.TYPE_COUNTER:
            counters.append({"track": ev.track_uuid, "ts": ts, "value": ev.double_counter_value})
    for uuid, stack in stacks.items():
        for s in stack:
            errors.append("slice %r on track %d never ended" % (s["name"], uuid))
    return {"tracks": list(tracks.values()), "slices": slices, "instants": instants, "counters": counters,
            "errors": errors}


if __name__ == "__main__":
    json.dump(read(sys.argv[1]), sys.stdout)
