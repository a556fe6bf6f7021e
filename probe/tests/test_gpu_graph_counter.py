"""GraphUseCounter and classify_call against CUDAGraphWrapper-like stand-ins (and, when vLLM is
installed, its real CUDAGraphMode and BatchDescriptor)."""
import enum
from collections import namedtuple

import pytest

from profilemate_probe.gpu.graph_counter import (CAPTURE, EAGER, PASSTHROUGH, REPLAY, GraphUseCounter, classify_call,
                                                 counts_steps, descriptor_key)


class Mode(enum.Enum):
    NONE = 0
    PIECEWISE = 1
    FULL = 2


BD = namedtuple("BatchDescriptor", "num_tokens num_reqs uniform has_lora num_active_loras")


class Entry:
    def __init__(self):
        self.cudagraph = None


class Opts:
    def __init__(self, first):
        self.debug_log_enable = first


class Wrapper:
    def __init__(self, mode, first=True):
        self.runtime_mode = mode
        self.cudagraph_options = Opts(first)
        self.concrete_cudagraph_entries = {}

    def __call__(self, mode, bd):
        if mode == Mode.NONE or mode != self.runtime_mode:
            return "ran eager"
        e = self.concrete_cudagraph_entries.setdefault(bd, Entry())
        if e.cudagraph is None:
            e.cudagraph = object()
            return "captured"
        return "replayed"


def drive(wrappers, schedule, counter):
    for mode, bd in schedule:
        for w in wrappers:
            kind = classify_call(w, mode, bd)
            out = w(mode, bd)
            assert out == {EAGER: "ran eager", PASSTHROUGH: "ran eager", CAPTURE: "captured", REPLAY: "replayed"}[kind]
            if counts_steps(w):
                counter.on_call(kind, getattr(mode, "name", str(mode)), descriptor_key(bd), 10)


def test_piecewise_counts_each_step_once_and_discards_profiling():
    pieces = [Wrapper(Mode.PIECEWISE, first=(i == 0)) for i in range(5)]
    c = GraphUseCounter()
    b8, b16 = BD(8, None, False, False, 0), BD(16, None, False, False, 0)
    drive(pieces, [(Mode.PIECEWISE, b8)], c)          # memory-profiling capture...
    for w in pieces:
        w.concrete_cudagraph_entries.clear()        # ...thrown away (clear_all_graphs)
    c.discard()
    sched = [(Mode.PIECEWISE, b8), (Mode.PIECEWISE, b16)] + [(Mode.PIECEWISE, b8)] * 7 + \
            [(Mode.NONE, None)] * 3 + [(Mode.PIECEWISE, b16)] * 2 + [(Mode.FULL, b8)]
    drive(pieces, sched, c)
    s = c.summary()
    rows = {(r["mode"], r["descriptor"]): r for r in s["graphs"]}
    k8, k16 = ("PIECEWISE", descriptor_key(b8)), ("PIECEWISE", descriptor_key(b16))
    assert rows[k8]["captures"] == 1 and rows[k8]["replays"] == 7
    assert rows[k16]["captures"] == 1 and rows[k16]["replays"] == 2
    assert s["eager"] == 3 and s["passthrough"] == 1   # 3 NONE steps; a FULL step on PIECEWISE wrappers
    assert s["discarded_captures"] == 1 and s["epoch"] == 1


def test_descriptor_key_is_positional():
    assert descriptor_key(BD(4, 4, True, False, 0)) == "BatchDescriptor(4, 4, True, False, 0)"
    assert descriptor_key(None) == "None"


def test_real_vllm_types_if_installed():
    fc = pytest.importorskip("vllm.forward_context")
    cfg = pytest.importorskip("vllm.config")
    M, BDv = cfg.CUDAGraphMode, fc.BatchDescriptor
    w = Wrapper(M.FULL)
    bd = BDv(num_tokens=8)
    assert classify_call(w, M.NONE, bd) == EAGER
    assert classify_call(w, M.PIECEWISE, bd) == PASSTHROUGH
    assert classify_call(w, M.FULL, bd) == CAPTURE
    w(M.FULL, bd)
    assert classify_call(w, M.FULL, bd) == REPLAY
    assert descriptor_key(bd).startswith("BatchDescriptor(8")
