"""ExpertCounter on the CPU: the torch fallback, the triton kernel under triton's interpreter,
the custom op under torch.compile, and (when a GPU is present) inside a captured CUDA graph."""
import os
import subprocess
import sys

import pytest

from conftest import PROBE

torch = pytest.importorskip("torch")

from profilemate_probe.gpu import moe_counter  # noqa: E402
from profilemate_probe.gpu.moe_counter import ExpertCounter, reference_stats, sample_rows  # noqa: E402


def routing(T, E, K, gen, ids_dtype=torch.int32, w_dtype=torch.float32):
    logits = torch.randn(T, E, generator=gen)
    w, ids = torch.softmax(logits, -1).topk(K)
    w = w / w.sum(-1, keepdim=True)
    return ids.to(ids_dtype), w.to(w_dtype)


def run_steps(counter, L, E, K, steps, gen, sizes=(1, 7, 64), **kw):
    rec = []
    for s in range(steps):
        for layer in range(L):
            T = sizes[(s + layer) % len(sizes)]
            ids, w = routing(T, E, K, gen, **kw)
            counter.record(layer, ids, w)
            rec.append((layer, ids.tolist(), w.float().tolist()))
    return rec


def expected_samples(rec, E, S=8):
    """(layer, row, expert, weight) of each layer's last launch with weights and real rows, in
    sample_rows order."""
    last = {layer: (ids, w) for layer, ids, w in rec if w is not None and ids}
    out = []
    for layer in sorted(last):
        ids, w = last[layer]
        for r in sample_rows(len(ids), S):
            out.extend((layer, r, e, w[r][k]) for k, e in enumerate(ids[r]) if 0 <= e < E)
    return out


def check(snap, L, E, K, B, rec, weights=True):
    rc, rcos, rh = reference_stats(L, E, K, B, rec)
    assert snap.counts.tolist() == rc
    assert snap.coselection.tolist() == rcos
    if weights:
        assert snap.weight_hist.tolist() == rh
        assert list(snap.samples) == expected_samples(rec, E)


@pytest.mark.parametrize("K,E", [(1, 4), (2, 8), (8, 64)])
def test_torch_backend_exact(K, E):
    L, B = 3, 20
    gen = torch.Generator().manual_seed(K)
    c = ExpertCounter(L, E, K, "cpu", weight_bins=B)
    assert c.backend == "torch"
    rec = run_steps(c, L, E, K, 4, gen)
    snap = c.read_and_reset()
    check(snap, L, E, K, B, rec)
    assert snap.calls.tolist() == [4] * L
    assert int(snap.tokens().sum()) == sum(len(r[1]) for r in rec)
    assert int(c.buf.abs().sum()) == 0               # reset


def test_dtypes_invalid_ids_and_weights_none():
    L, E, K, B = 2, 8, 2, 10
    gen = torch.Generator().manual_seed(1)
    c = ExpertCounter(L, E, K, "cpu", weight_bins=B)
    ids, w = routing(16, E, K, gen, ids_dtype=torch.int64, w_dtype=torch.bfloat16)
    ids[0, 0] = -1
    ids[3, 1] = E + 5
    c.record(0, ids, w)
    c.record(1, ids.to(torch.int16), None)
    snap = c.read()
    rec = [(0, ids.tolist(), w.float().tolist()), (1, ids.tolist(), None)]
    rc, rcos, rh = reference_stats(L, E, K, B, rec)
    assert snap.counts.tolist() == rc and snap.coselection.tolist() == rcos and snap.weight_hist.tolist() == rh
    # layer 1 routed without weights: nothing sampled there; layer 0's bf16 weights come back exactly
    assert list(snap.samples) == expected_samples(rec, E) and {x[0] for x in snap.samples} == {0}
    assert int(snap.counts[0].sum()) == 30 and int(snap.weight_hist[1].sum()) == 0
    assert int(c.buf.sum()) > 0                      # read() does not reset


def test_weight_bins_edges_and_range():
    c = ExpertCounter(1, 4, 2, "cpu", weight_bins=4, weight_range=(0.0, 2.0))
    ids = torch.tensor([[0, 1], [2, 3], [0, 3]], dtype=torch.int32)
    w = torch.tensor([[0.0, 0.5], [1.999, 2.0], [-1.0, float("nan")]])
    c.record(0, ids, w)
    h = c.read().weight_hist[0].tolist()
    assert h[0] == [2, 0, 0, 0]        # 0.0 and -1.0 (clamped) -> bin 0
    assert h[1] == [0, 1, 0, 0]        # 0.5 -> bin 1 of width 0.5
    assert h[2] == [0, 0, 0, 1]        # 1.999 -> last
    assert h[3] == [1, 0, 0, 1]        # 2.0 clamped to last; NaN -> bin 0


def test_num_valid_tokens_masks_padding_rows():
    L, E, K, B = 1, 8, 2, 20
    gen = torch.Generator().manual_seed(2)
    c = ExpertCounter(L, E, K, "cpu", weight_bins=B)
    nvalid = torch.tensor([5], dtype=torch.int32)
    ids, w = routing(32, E, K, gen)
    c.record(0, ids, w, num_valid_tokens=nvalid)
    nvalid.fill_(0)
    pad_ids, pad_w = routing(32, E, K, gen)
    c.record(0, pad_ids, pad_w, num_valid_tokens=nvalid)   # padding only: the sample stays the last real one
    snap = c.read_and_reset()
    check(snap, L, E, K, B, [(0, ids[:5].tolist(), w[:5].tolist()), (0, [], [])])
    assert [x[1] for x in snap.samples] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]   # real rows only


def test_weight_samples_are_the_last_launch_spread_and_cleared_by_the_read():
    L, E, K, B = 2, 8, 2, 20
    gen = torch.Generator().manual_seed(4)
    c = ExpertCounter(L, E, K, "cpu", weight_bins=B, weight_samples=4)
    rec = []
    for T in (30, 3):
        for layer in range(L):
            ids, w = routing(T if layer == 0 else 30 + T, E, K, gen)
            c.record(layer, ids, w)
            rec.append((layer, ids.tolist(), w.tolist()))
    snap = c.read_and_reset()
    assert list(snap.samples) == expected_samples(rec, E, S=4)
    assert sorted({(x[0], x[1]) for x in snap.samples}) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 8), (1, 16), (1, 24)]
    assert c.read().samples == ()          # the reset cleared them
    with pytest.raises(ValueError):
        ExpertCounter(L, E, K, "cpu", weight_samples=6)


def test_sample_every_records_one_launch_in_n():
    L, E, K, B = 2, 8, 2, 20
    gen = torch.Generator().manual_seed(3)
    c = ExpertCounter(L, E, K, "cpu", weight_bins=B, sample_every=3)
    kept = []
    for s in range(8):   # the last launch is not kept: the sample stays the last kept one's
        for layer in range(L):
            ids, w = routing(9, E, K, gen)
            c.record(layer, ids, w)
            if s % 3 == 0:
                kept.append((layer, ids.tolist(), w.tolist()))
    snap = c.read_and_reset()
    check(snap, L, E, K, B, kept)
    assert snap.calls.tolist() == [8, 8]


def test_coselection_off_and_shape_errors():
    c = ExpertCounter(2, 8, 2, "cpu", coselection=False)
    ids = torch.tensor([[1, 2]], dtype=torch.int32)
    c.record(0, ids, None)
    assert int(c.read().coselection.sum()) == 0
    with pytest.raises(ValueError):
        c.record(0, torch.zeros(3, 3, dtype=torch.int32))
    with pytest.raises(IndexError):
        c.record(2, ids)


def test_capture_fn_matches_vllm_set_capture_fn_contract():
    c = ExpertCounter(3, 8, 2, "cpu")
    fn = c.capture_fn(2)
    fn(torch.tensor([[0, 1], [1, 2]], dtype=torch.int32))
    assert c.read().counts[2].tolist() == [1, 2, 1, 0, 0, 0, 0, 0]


def test_package_import_does_not_import_torch():
    code = ("import sys, profilemate_probe.gpu as g, profilemate_probe.gpu.moe_counter, "
            "profilemate_probe.gpu.event_timer, profilemate_probe.gpu.graph_counter;"
            "print('torch' in sys.modules, 'triton' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=PROBE), timeout=120)
    assert out.stdout.strip() == "False False", out.stderr


INTERP = r"""
import sys, torch
sys.path.insert(0, %r)
from profilemate_probe.gpu.moe_counter import ExpertCounter, reference_stats, sample_rows
gen = torch.Generator().manual_seed(5)
bad = []
for (L, E, K, se, nv) in [(2, 8, 2, 1, None), (2, 16, 8, 1, 11), (3, 8, 2, 2, None), (1, 8, 3, 1, 0)]:
    c = ExpertCounter(L, E, K, "cpu", weight_bins=20, sample_every=se, backend="triton")
    assert c.backend == "triton"
    nvt = None if nv is None else torch.tensor([nv], dtype=torch.int64)
    rec = []
    for s in range(4):
        for layer in range(L):
            T = (1, 5, 40, 200)[(s + layer) %% 4]
            logits = torch.randn(T, E, generator=gen)
            w, ids = torch.softmax(logits, -1).topk(K)
            w = w / w.sum(-1, keepdim=True)
            ids = ids.to(torch.int32)
            ids[0, 0] = -1 if s == 1 else ids[0, 0]
            c.record(layer, ids, w, num_valid_tokens=nvt)
            n = T if nv is None else min(nv, T)
            if s %% se == 0:
                rec.append((layer, ids[:n].tolist(), w[:n].tolist()))
    snap = c.read_and_reset()
    rc, rcos, rh = reference_stats(L, E, K, 20, rec)
    last = {layer: (ids, w) for layer, ids, w in rec}
    want = [(layer, r, e, last[layer][1][r][k]) for layer in sorted(last) for r in sample_rows(len(last[layer][0]), 8)
            for k, e in enumerate(last[layer][0][r]) if 0 <= e < E]
    ok = (snap.counts.tolist() == rc, snap.coselection.tolist() == rcos, snap.weight_hist.tolist() == rh,
          snap.calls.tolist() == [4] * L, list(snap.samples) == want)
    if not all(ok):
        bad.append(((L, E, K, se, nv), ok))
print("BAD" if bad else "OK", bad)
"""


def test_triton_kernel_under_interpreter():
    pytest.importorskip("triton")
    env = dict(os.environ, TRITON_INTERPRET="1", PYTHONPATH=PROBE)
    out = subprocess.run([sys.executable, "-c", INTERP % PROBE], capture_output=True, text=True, env=env,
                         timeout=600)
    assert out.stdout.startswith("OK"), out.stdout + out.stderr[-3000:]


INTERP_STEP = r"""
import sys, torch
sys.path.insert(0, %r)
from profilemate_probe.gpu.moe_counter import ExpertCounter
gen = torch.Generator().manual_seed(11)
bad = []
# (layers, experts, top_k, sample_every, valid rows, layers recorded per step)
for (L, E, K, se, nv, per) in [(4, 8, 2, 1, None, 4), (3, 16, 8, 1, 5, 3), (5, 8, 2, 2, None, 5),
                               (4, 8, 2, 1, None, 3), (3, 8, 3, 1, 0, 3)]:
    one = ExpertCounter(L, E, K, "cpu", weight_bins=20, sample_every=se, backend="triton", per_step=False)
    step = ExpertCounter(L, E, K, "cpu", weight_bins=20, sample_every=se, backend="triton")
    assert step.per_step and not one.per_step
    nvt = None if nv is None else torch.tensor([nv], dtype=torch.int64)
    steps = 0
    for s in range(6):
        T = (1, 5, 40, 200, 3, 64)[s]
        for layer in range(per):   # per < L: the step never reaches the last layer; the next step's first flushes it
            logits = torch.randn(T, E, generator=gen)
            w, ids = torch.softmax(logits, -1).topk(K)
            w = w / w.sum(-1, keepdim=True)
            ids = ids.to(torch.int32)
            if s == 1:
                ids[0, 0] = -1
            one.record(layer, ids, w, num_valid_tokens=nvt)
            step.record(layer, ids, w, num_valid_tokens=nvt)
        steps += 1
    a, b = one.read_and_reset(), step.read_and_reset()
    same = (torch.equal(a.counts, b.counts), torch.equal(a.coselection, b.coselection),
            torch.equal(a.weight_hist, b.weight_hist), torch.equal(a.calls, b.calls),
            a.samples == b.samples, torch.equal(a.token_rows, b.token_rows),
            one.launches == steps * per, step.launches == steps, int(a.counts.sum()) > 0 or nv == 0)
    if not all(same):
        bad.append(((L, E, K, se, nv, per), same, one.launches, step.launches))
# keep=False (vLLM's expert substitution rewrites ids and weights in place after the router): counted as
# recorded, not as rewritten; a step above keep_max_tokens launches per layer
for keep_first, max_tokens, T in [(False, 1024, 6), (True, 4, 6)]:
    step = ExpertCounter(3, 8, 2, "cpu", weight_bins=20, backend="triton")
    step.keep_max_tokens = max_tokens
    one = ExpertCounter(3, 8, 2, "cpu", weight_bins=20, backend="triton", per_step=False)
    for layer in range(3):
        w, ids = torch.softmax(torch.randn(T, 8, generator=gen), -1).topk(2)
        ids = ids.to(torch.int32)
        one.record(layer, ids.clone(), w.clone())
        kept = (keep_first or layer > 0) and T <= max_tokens
        step.record(layer, ids, w, keep=keep_first or layer > 0)
        if not kept:      # rewritten in place, as expert substitution does, before the step's last layer
            ids.fill_(0)
            w.fill_(0.0)
    a, b = one.read_and_reset(), step.read_and_reset()
    same = (torch.equal(a.counts, b.counts), torch.equal(a.weight_hist, b.weight_hist), torch.equal(a.calls, b.calls))
    want = 3 if max_tokens < T else 2   # per layer above the limit; the first alone, then layers 1-2 together
    if not all(same) or step.launches != want:
        bad.append((("keep", keep_first, max_tokens), same, step.launches))
print("BAD" if bad else "OK", bad)
"""


def test_one_launch_per_step_counts_what_a_launch_per_layer_counts():
    """Per-step mode under triton's interpreter: ONE launch per step (the step kernel, all the
    layers' tensors as its arguments) leaves the buffer exactly as one launch per layer does:
    counts, co-selection, histograms, launch counters, sampled rows (also one launch in N), token
    rows, padding masked; a step that stops short of the last layer is launched by the next
    step's first layer (and later steps end where it ended); tensors recorded with keep=False and
    then rewritten in place count as recorded; a step above keep_max_tokens launches per layer."""
    pytest.importorskip("triton")
    env = dict(os.environ, TRITON_INTERPRET="1", PYTHONPATH=PROBE)
    out = subprocess.run([sys.executable, "-c", INTERP_STEP % PROBE], capture_output=True, text=True, env=env,
                         timeout=900)
    assert out.stdout.startswith("OK"), out.stdout + out.stderr[-3000:]


def test_custom_op_is_opaque_under_torch_compile():
    L, E, K, B = 2, 8, 2, 20
    c = ExpertCounter(L, E, K, "cpu", weight_bins=B)
    gate = torch.nn.Linear(16, E, bias=False)
    seen = []

    def backend(gm, example_inputs):
        seen.extend(str(n.target) for n in gm.graph.nodes if n.op == "call_function")
        from torch._dynamo.backends.common import aot_autograd
        return aot_autograd(fw_compiler=lambda g, _: g)(gm, example_inputs)

    def block(x, layer: int):
        probs = torch.softmax(gate(x), -1)
        w, ids = probs.topk(K)
        w = w / w.sum(-1, keepdim=True)
        c.record(layer, ids, w)
        return w.sum()

    compiled = torch.compile(block, backend=backend, fullgraph=True)
    gen = torch.Generator().manual_seed(7)
    rec = []
    with torch.no_grad():
        for s in range(3):
            for layer in range(L):
                x = torch.randn(12, 16, generator=gen)
                compiled(x, layer)
                w, ids = torch.softmax(gate(x), -1).topk(K)
                rec.append((layer, ids.tolist(), (w / w.sum(-1, keepdim=True)).tolist()))
    assert any("profilemate" in s and "moe_record" in s for s in seen), seen
    snap = c.read_and_reset()
    check(snap, L, E, K, B, rec)


def test_cuda_graph_capture_replay_if_present():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    L, E, K, B = 2, 8, 2, 20
    c = ExpertCounter(L, E, K, "cuda", weight_bins=B)
    gen = torch.Generator(device="cuda").manual_seed(0)
    static_logits = torch.randn(64, E, device="cuda", generator=gen)

    def step():
        for layer in range(L):
            w, ids = torch.softmax(static_logits, -1).topk(K)
            c.record(layer, ids, w)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        step()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        step()
    c.reset()
    rec = []
    for i in range(5):
        static_logits.copy_(torch.randn(64, E, device="cuda", generator=gen))
        g.replay()
        w, ids = torch.softmax(static_logits, -1).topk(K)
        rec += [(layer, ids.tolist(), w.tolist()) for layer in range(L)]
    check(c.read_and_reset(), L, E, K, B, rec)


def test_the_sample_size_setting_is_a_power_of_two_or_zero():
    from profilemate_probe.config import load

    def tokens(env=None, cls=None):
        return load(cls, env or {}).values["MOE_WEIGHT_SAMPLE_TOKENS"]

    assert tokens() == 8
    assert [tokens({"MOE_WEIGHT_SAMPLE_TOKENS": v}) for v in ("0", "1", "6", "16", "500", "x")] == [0, 1, 4, 16, 64, 8]

    class Odd:
        MOE_WEIGHT_SAMPLE_TOKENS = "many"   # a ProfilingConfig class with a bad value: the default, no crash
    assert tokens(cls=Odd) == 8
    c = ExpertCounter(1, 8, 2, "cpu", weight_samples=0)
    c.record(0, *routing(4, 8, 2, torch.Generator().manual_seed(9)))
    assert c.read().samples == ()


def test_capture_edges_flush_the_kept_layers_before_torch_begins_or_ends_a_capture():
    """targets/moe.py hooks torch's CUDAGraph.capture_begin / capture_end: the kept layers are
    launched before torch's own method runs (so inside the capture at its end, outside at its
    start). On this CPU-only torch the original then fails as it would without the hook."""
    from profilemate_probe.patching import Profiler, unwrap, wrap
    from profilemate_probe.targets import moe as moe_target

    order = []

    class Kept:
        def flush(self):
            order.append("flush")

    edges = [t for t in moe_target.TARGETS if t.module == "torch.cuda.graphs"]
    assert sorted(t.qualname for t in edges) == ["CUDAGraph.capture_begin", "CUDAGraph.capture_end"]
    prof = Profiler("moe", lambda *a: None, lambda *a: None)
    saved = moe_target._state["counter"]
    moe_target._state["counter"] = Kept()
    try:
        for t in edges:
            assert wrap(t, prof)
        cls = torch.cuda.graphs.CUDAGraph
        for name in ("capture_begin", "capture_end"):
            original = getattr(getattr(cls, name), "__profilemate_original__")
            with pytest.raises(Exception):
                getattr(cls, name)(None)   # torch's own method fails on no graph, after the hook
            assert order and order[-1] == "flush", name
            assert original is not getattr(cls, name)
        assert order == ["flush", "flush"]
    finally:
        for t in edges:
            unwrap(t)
        moe_target._state["counter"] = saved
    assert not hasattr(torch.cuda.graphs.CUDAGraph.capture_end, "__profilemate_original__")


def test_the_gpu_benchmarks_exactness_part_runs_on_the_cpu():
    """bench/gpu/moe_step_cost.py --dry-run: its eager and compiled (opaque custom op, as vLLM's
    moe_forward) modes under triton's interpreter, per-step counter == per-layer counter == a
    torch.bincount recount, so the script the GPU run needs does not rot between device sessions."""
    pytest.importorskip("triton")
    pytest.importorskip("transformers")
    script = os.path.join(os.path.dirname(PROBE), "bench", "gpu", "moe_step_cost.py")
    env = dict(os.environ, TRITON_INTERPRET="1")
    out = subprocess.run([sys.executable, script, "--dry-run"], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    import json
    modes = {m["mode"]: m for m in json.loads(out.stdout)["dry_run"]["modes"]}
    assert set(modes) == {"eager", "compiled_opaque_op"}
    for m in modes.values():
        assert m["per_step_launches"] == m["steps"] and m["per_layer_launches"] == m["steps"] * m["layers"], m
