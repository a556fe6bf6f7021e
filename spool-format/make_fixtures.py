"""Writes the golden spools in fixtures/ with the probe's own SpoolWriter.

The engine's tests read these bytes (SpoolFixturesTest); the probe's tests check that this
script still produces exactly the committed bytes. Run: python3 spool-format/make_fixtures.py
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "probe"))
from profilemate_probe.segments import Segments  # noqa: E402
from profilemate_probe.spool import RECORD_HEADER, SpoolWriter  # noqa: E402


def _meta(pid, role, rank):
    return {"format": "profilemate-spool", "pid": pid, "ppid": 1, "role": role, "rank": rank,
            "host": "fixture-host", "clock": {"monotonic_ns": 1_000_000_000, "wall_ns": 1_764_400_000_000_000_000},
            "python": "3.11.7", "profilers": ["ENABLE_KV_CACHE_TRACKING"], "config": {}}


def _steps(w, base, n):
    for i in range(n):
        t = base + i * 10_000_000
        w.emit("scheduler_step", t, i, 50_000 + i, 4, 64 + i, 1, 3, 61 + i, 3, 4, 2, 256, 2048,
               10 + i, 100, (10 + i) / 100.0, 0, 1, 0, 2, 0, 0)
    w.emit("request_event", base + n * 10_000_000, 5, 12, 7, 19, "req-7", "stop")


def write(out):
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.endswith(".pmspool"):
            os.remove(os.path.join(out, f))
    expected = {}

    p = os.path.join(out, "normal.pmspool")
    w = SpoolWriter(p, _meta(101, "engine_core", 0), flush_every=1000)
    _steps(w, 1_100_000_000, 5)
    w.flush()
    _steps(w, 1_200_000_000, 3)
    w.close()
    expected["normal.pmspool"] = {"records": 10, "chunks": 2, "incomplete": False, "closedCleanly": True,
                                  "unknown": 0, "scheduler_step": 8, "request_event": 2}

    p = os.path.join(out, "truncated.pmspool")
    w = SpoolWriter(p, _meta(102, "engine_core", 0), flush_every=1000)
    _steps(w, 1_100_000_000, 4)
    w.flush()
    _steps(w, 1_200_000_000, 4)
    w.close()
    size = os.path.getsize(p)
    with open(p, "r+b") as f:
        f.truncate(size - 37)  # cut inside the last chunk, as a crash mid-write would
    expected["truncated.pmspool"] = {"records": 5, "chunks": 1, "incomplete": True, "closedCleanly": False,
                                     "unknown": 0, "scheduler_step": 4, "request_event": 1}

    p = os.path.join(out, "unknown_type.pmspool")
    w = SpoolWriter(p, _meta(103, "worker", 1), flush_every=1000)
    _steps(w, 1_100_000_000, 2)
    future = struct.pack("<qd", 1_150_000_000, 3.5) + b"a record type from a newer probe"
    w._append(RECORD_HEADER.pack(len(future), 999) + future, 1_150_000_000)
    _steps(w, 1_200_000_000, 2)
    w.close()
    expected["unknown_type.pmspool"] = {"records": 6, "chunks": 1, "incomplete": False, "closedCleanly": True,
                                        "unknown": 1, "scheduler_step": 4, "request_event": 2}

    two = os.path.join(out, "two_processes")
    os.makedirs(two, exist_ok=True)
    for f in os.listdir(two):
        os.remove(os.path.join(two, f))
    a = SpoolWriter(os.path.join(two, "api_server-201.pmspool"), _meta(201, "api_server", 0))
    b = SpoolWriter(os.path.join(two, "engine_core-202.pmspool"), _meta(202, "engine_core", 0))
    for i in range(4):
        a.emit("cpu_operation", 1_100_000_000 + i * 20_000_000, 1_000_000, "output_processing", "")
        b.emit("cpu_operation", 1_110_000_000 + i * 20_000_000, 2_000_000, "scheduling", "")
    a.close()
    b.close()
    expected["two_processes"] = {"records": 8, "order": ["api_server", "engine_core"] * 4}

    _golden_session(os.path.join(out, "session_golden"))
    # the same records in many small chunks: the engine's fuzz suite cuts and damages chunks
    _golden_session(os.path.join(out, "session_chunked"), _FlushEvery3)
    # the same records again, in segments of ~1.5 kB (spool minor 6): the engine must export them
    # to the very bytes of session_golden's export
    _golden_session(os.path.join(out, "session_rotated"), _segmented(1500, 0))
    # ... and under a budget of 9 kB: the oldest segment goes, raw/segments.jsonl says which
    _golden_session(os.path.join(out, "session_budget"), _segmented(1500, 9000))

    # spool minor 7: requests with a W3C trace context and their prefill chunks (the OTLP export's test)
    _traced_session(os.path.join(out, "session_traced"))
    # the same records in many small chunks: collect --otlp's test feeds it in stages, so requests
    # are in flight and steps unbounded between refreshes
    _traced_session(os.path.join(out, "session_traced_chunked"), _FlushEvery3)

    # spool minor 9: two nodes (rank identities, clock anchors), the second's monotonic clock 1000 s ahead
    _two_nodes_session(os.path.join(out, "session_two_nodes"))
    # the same in many small chunks: collect's test refreshes while node-b's anchors move its mapping
    _two_nodes_session(os.path.join(out, "session_two_nodes_chunked"), _FlushEvery3)
    # spool minor 9: MoE counts of DP 2 x TP 2 (expert parallel on): every TP rank routes its DP rank's tokens
    _tp_moe_session(os.path.join(out, "session_tp_moe"))
    # spool minor 10: EPLB's placements (initial, a rearrangement, a skipped one) and counts under each
    _eplb_session(os.path.join(out, "session_eplb"))

    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")


class _FlushEvery3(SpoolWriter):
    """Commits a chunk after every third record (the writer thread is never started here), never
    leaving an empty final chunk, whose first t_ns would be the clock at close."""

    def emit(self, name, *values):
        # commit the previous three before queueing a new record: close() always finds records
        # left, so the final chunk is never empty (its first t_ns would be the clock at close)
        n = getattr(self, "_emitted", 0)
        if n and n % 3 == 0:
            self.flush()
        super().emit(name, *values)
        self._emitted = n + 1


def _segmented(max_bytes, budget_bytes):
    """A writer factory: the golden session's records in segments raw/<role>-<pid>.<n>.pmspool."""
    def writer(path, meta):
        raw, name = os.path.split(path)
        segments = Segments(raw, name[:-len(".pmspool")], max_bytes=max_bytes, max_seconds=1e9,
                            budget_bytes=budget_bytes)
        return _FlushEvery3(None, meta, segments=segments)
    return writer


def _golden_session(session, writer=SpoolWriter):
    """Every record type, two processes: the engine's golden export test reads this."""
    raw = os.path.join(session, "raw")
    os.makedirs(raw, exist_ok=True)
    for f in os.listdir(raw):
        os.remove(os.path.join(raw, f))  # segments.jsonl too
    ms = 1_000_000
    t0 = 1_000_000_000
    core = writer(os.path.join(raw, "engine_core-301.pmspool"), _meta(301, "engine_core", 0))
    core.emit("engine_config", t0 + 1, json.dumps({"model": "tiny-llama", "max_num_seqs": 4,
                                                   "max_num_batched_tokens": 64, "block_size": 16,
                                                   "num_gpu_blocks": 11, "enable_prefix_caching": True}))
    core.emit("profiler_status", t0 + 2, 1, "scheduler", "vllm.v1.core.sched.scheduler:Scheduler.schedule", "")
    core.emit("profiler_status", t0 + 3, 0, "cpu_timing", "vllm.v1.sample.sampler:Sampler.forward", "module not imported")
    # spool minor 9: the EngineCore's place in the parallel layout (its ParallelConfig: DP rank 0 of 1, no
    # TP/PP/EP rank of its own) and clock anchors (monotonic vs wall clock, read 150 ns apart)
    core.emit("parallel_identity", t0 + 4, -1, -1, -1, 0, 1, *([-1] * 10), 0, "fixture-host", "engine_core")
    core.emit("clock_anchor", t0 + 7, 1_764_400_000_000_000_000 + 7, 150, 0)
    core.emit("request_event", t0 + 5 * ms, 1, 40, 0, 0, "req-a", "")
    core.emit("request_event", t0 + 6 * ms, 1, 24, 0, 0, "req-b", "")
    # spool minor 8: prefix-cache lookups (salted keys only). req-a finds nothing (first of its
    # class), req-b finds its one block; req-x finds req-a's first block and misses the next, which
    # the probe saw with 4 tokens in common (misaligned); req-c misses req-a's second block, evicted
    # 10 ms before (KEY_B1); req-d has req-a's first block with a cache salt (shape 2, mismatch bit
    # 1); req-e skips the cache
    core.emit("prefix_cache_lookup", t0 + 5 * ms + 1, KEY_A0, KEY_A0, 0, 0, 40, 16, 2, 2, 0, 0, 1, 0, 0, "req-a")
    core.emit("prefix_cache_lookup", t0 + 6 * ms + 1, KEY_A0, 0, 0, 0, 24, 16, 1, 1, 1, 0, 1, 0, 0, "req-b")
    core.emit("prefix_cache_lookup", t0 + 8 * ms, KEY_A0, KEY_X1, 0, 0, 40, 16, 2, 2, 1, 4, 1, 1, 0, "req-x")
    steps = [  # prefill tokens, decode tokens, kv used, preempted
        (64, 0, 4, 0), (0, 2, 5, 0), (16, 1, 7, 0), (0, 2, 10, 1), (0, 1, 9, 0), (0, 0, 0, 0)]
    for i, (pre, dec, used, pe) in enumerate(steps):
        t = t0 + (10 + 10 * i) * ms
        reqs = (1 if pre else 0) + dec
        core.emit("scheduler_step", t, i, 40_000 + 1000 * i, reqs, pre + dec, 1 if pre else 0, dec, pre, dec,
                  reqs, 2 - min(2, reqs), 4, 64, used, 10, used / 10.0, pe, 1 if i == 0 else 0, 0,
                  used, 1 if i == 3 else 0, 2 if i == 2 else 0)
        core.emit("step_output", t + 2 * ms, i, 300_000, dec, 0)
        if i == 0:
            core.emit("request_event", t, 2, 40, 0, 0, "req-a", "")
            core.emit("request_event", t, 2, 24, 0, 0, "req-b", "")
            core.emit("request_event", t + 2 * ms, 6, 40, 1, 0, "req-a", "")
            core.emit("request_event", t + 2 * ms, 6, 24, 1, 0, "req-b", "")
        if i == 3:
            core.emit("request_event", t, 3, 24, 3, 27, "req-b", "kv_cache_full")
            core.emit("kv_block_eviction", t + 1, 7, 25 * ms, 5 * ms, KEY_B1)
        if i == 4:
            core.emit("request_event", t, 4, 24, 3, 0, "req-b", "")
            core.emit("prefix_cache_lookup", t + 1, KEY_A0, KEY_B1, 0, 0, 40, 16, 2, 2, 1, 16, 1, 3, 0, "req-c")
            core.emit("prefix_cache_lookup", t + 2, KEY_S0, KEY_S0, 77, 0, 40, 16, 2, 2, 0, 16, 5, 2, 1, "req-d")
            core.emit("prefix_cache_lookup", t + 3, KEY_A0, KEY_A0, 0, 0, 40, 16, 2, 2, 0, 16, 3, 3, 0, "req-e")
    core.emit("request_event", t0 + 62 * ms, 5, 40, 5, 0, "req-a", "stop")
    core.emit("request_event", t0 + 63 * ms, 5, 24, 4, 0, "req-b", "length")
    worker = writer(os.path.join(raw, "worker-302.pmspool"), _meta(302, "worker", 0))
    worker.emit("process_role", t0 + 4, 0, "worker")
    # spool minor 9: a worker's ranks from vLLM's parallel state (world rank 0 of 1; EP group of the MoE model,
    # expert parallel on) and two anchors 60 ms apart whose wall clock gained 3 µs on the monotonic one
    worker.emit("parallel_identity", t0 + 4, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, "fixture-host",
                "initialize_model_parallel")
    worker.emit("clock_anchor", t0 + 9, 1_764_400_000_000_000_000 + 9, 200, 0)
    worker.emit("cuda_graph_capture", t0 + 5 * ms, 9 * ms, 64, 64, 1, 0, "FULL")  # thrown away by the reset
    worker.emit("cuda_graph_reset", t0 + 6 * ms, "clear_all_graphs")
    worker.emit("cuda_graph_capture", t0 + 7 * ms, 30 * ms, 8, -1, 0, 0, "PIECEWISE")
    worker.emit("cuda_graph_capture", t0 + 8 * ms, 20 * ms, 4, 4, 1, 0, "FULL")
    worker.emit("cuda_graph_capture", t0 + 9 * ms, 20 * ms, 2, 2, 1, 0, "FULL")
    for i, (phase, tokens, bs) in enumerate([(0, 64, 1), (1, 2, 2), (2, 17, 2), (1, 2, 2), (1, 1, 1)]):
        t = t0 + (11 + 10 * i) * ms
        worker.emit("forward_pass", t, (4 + i) * ms, phase, bs, tokens, 1)
        if phase == 1:
            worker.emit("cuda_graph_replay", t, 1 * ms, 4, 4, 1, 0, "FULL")
        worker.emit("cpu_operation", t, 200_000, "batch_preparation", "tokens=%d" % tokens)
        worker.emit("moe_expert_counts", t + 1, 0, 1, ",".join(str((tokens * 2 * (e + 1)) // 36) for e in range(8)))
        worker.emit("moe_expert_pairs", t + 1, 0, "0-1:%d;2-7:%d" % (tokens, tokens // 2))
        worker.emit("moe_weight_histogram", t + 1, 0, 4, 0.0, 1.0, "0:1:%d;3:3:%d" % (tokens, tokens // 2))
        worker.emit("encoder_decoder", t + 2, 500_000, "decoder", "")
    # spool minor 4: the model's MoE layers (4 decoder layers: 0 written by an older probe without
    # a moe_layer record, 1 counted as arrays with one shared expert, 2 routed inside a monolithic
    # kernel, 3 dense) and layer 1's counts as fixed-width arrays
    worker.emit("engine_config_v2", t0 + 5, json.dumps({"moe_backend": "auto"}))
    worker.emit("moe_layer", t0 + 6, 1, 4, 8, 1, 2, 0, 0, "CPURouter softmax", "TritonExperts")
    worker.emit("moe_layer", t0 + 7, 2, 4, 8, 1, 2, 0, 0, "CPURouter softmax", "TrtLlmBf16Experts")
    worker.emit("moe_routing_hidden", t0 + 8, 2, "TrtLlmBf16Experts")
    for i, tokens in enumerate([64, 2, 17]):
        t = t0 + (11 + 10 * i) * ms + 3
        counts = [tokens * 2 * (e + 1) // 36 for e in range(8)]
        counts[0] += tokens * 2 - sum(counts)  # exact: tokens x top_k
        worker.emit("moe_expert_counts_v2", t, 1, 1, tokens, counts)
        worker.emit("moe_expert_pairs_v2", t, 1, 8, [0 * 8 + 1, 2 * 8 + 7], [tokens, tokens // 2])
        worker.emit("moe_weight_histogram_v2", t, 1, 4, 0.0, 1.0, [0 * 4 + 1, 3 * 4 + 3], [tokens, tokens // 2])
    worker.emit("moe_weight_sample", t0 + 12 * ms, 0, 0, 3, 0.625)
    worker.emit("moe_weight_sample", t0 + 12 * ms, 0, 0, 5, 0.375)
    worker.emit("encoder_decoder", t0 + 9 * ms, 1_500_000, "encoder", "modality=image")
    worker.emit("clock_anchor", t0 + 69 * ms, 1_764_400_000_000_000_000 + 69 * ms + 3_000, 180, 0)
    core.close()
    worker.close()


def _two_nodes_session(session, writer=SpoolWriter):
    """Two workers (TP rank 0 and 1 of DP rank 0) on two nodes: node-b's monotonic clock reads 1000 s more
    than node-a's at the same instant, and its wall clock 2 us more at its second anchor (drift). Each
    writes a cpu_operation at the same four instants; the export must show them at the same times. Then
    five forward passes each, with stragglers built in."""
    raw = os.path.join(session, "raw")
    os.makedirs(raw, exist_ok=True)
    for f in os.listdir(raw):
        os.remove(os.path.join(raw, f))
    wall0, ahead = 1_764_400_000_000_000_000, 1_000 * 1_000_000_000
    for pid, node, tp, off in ((501, "node-a", 0, 0), (502, "node-b", 1, ahead)):
        meta = dict(_meta(pid, "worker", tp), host=node)
        meta["clock"] = {"monotonic_ns": 1_000_000_000 + off, "wall_ns": wall0}
        w = writer(os.path.join(raw, "worker-%d.pmspool" % pid), meta)
        w.emit("parallel_identity", 1_000_000_100 + off, tp, 2, tp, 0, 1, 0, 1, tp, 2, tp, 2, 0, 1, 0, 1, 1, node,
               "initialize_model_parallel")
        w.emit("clock_anchor", 1_000_000_200 + off, wall0 + 200, 300, 0)
        for i in range(4):
            w.emit("cpu_operation", 1_010_000_000 + i * 10_000_000 + off, 1_000_000, "barrier", "i=%d" % i)
        # node-b's second anchor: its wall clock 2 us ahead of where its monotonic clock says
        w.emit("clock_anchor", 1_050_000_000 + off, wall0 + 50_000_000 + (2_000 if off else 0), 400, 0)
        w.emit("cpu_operation", 1_060_000_000 + off, 1_000_000, "barrier", "i=4")
        # five decode steps of the TP group, stragglers by construction: rank 1 starts 2 ms late in steps
        # 0-1, runs 3 ms longer in steps 2-3; rank 0 runs 1 ms longer in step 4 (rank_stragglers.csv)
        for i in range(5):
            start = 1_070_000_000 + i * 10_000_000 + off + (2_000_000 if tp == 1 and i < 2 else 0)
            duration = 4_000_000 + (3_000_000 if tp == 1 and i in (2, 3) else 0) + (1_000_000 if tp == 0 and i == 4 else 0)
            w.emit("forward_pass", start, duration, 1, 4, 4, 1)
        w.close()


# per DP rank: each layer's per-expert counts (8 experts, top_k 2) and real tokens; both TP ranks of a DP rank
# route the same tokens, so they count the same; the DP ranks' loads differ
TP_MOE_COUNTS = {
    0: {0: ([40, 30, 20, 10, 0, 0, 0, 0], 50), 1: ([25] * 8, 100)},
    1: {0: ([0, 0, 0, 0, 10, 20, 30, 40], 50), 1: ([5] * 8, 20)},
}
TP_MOE_PAIRS = {0: (0 * 8 + 1, 30), 1: (6 * 8 + 7, 25)}  # layer 0's most co-selected pair per DP rank


def _tp_moe_session(session):
    """Four workers, DP 2 x TP 2 with expert parallelism on (EP rank = world rank, no sequence-parallel MoE):
    the TP ranks of a DP rank record the same MoE counts, as vLLM's replicated tokens give them. Model-wide
    totals must count each DP rank's tokens once (TP_MOE_COUNTS summed over DP ranks), not once per TP rank."""
    raw = os.path.join(session, "raw")
    os.makedirs(raw, exist_ok=True)
    for f in os.listdir(raw):
        os.remove(os.path.join(raw, f))
    t0, ms = 1_000_000_000, 1_000_000
    for dp in (0, 1):
        for tp in (0, 1):
            world = dp * 2 + tp
            pid = 601 + world
            w = SpoolWriter(os.path.join(raw, "worker-%d.pmspool" % pid), _meta(pid, "worker", world))
            w.emit("parallel_identity", t0 + 1, world, 4, world, dp, 2, 0, 1, tp, 2, world, 4, 0, 1, 0, 1, 1,
                   "fixture-host", "initialize_model_parallel")
            if world == 0:
                w.emit("engine_config_v2", t0 + 2, json.dumps({
                    "tensor_parallel_size": 2, "data_parallel_size": 2, "enable_expert_parallel": True,
                    "model_config": {"num_hidden_layers": 2, "num_experts": 8, "num_experts_per_tok": 2}}))
            for layer in (0, 1):
                w.emit("moe_layer", t0 + 3 + layer, layer, 2, 8, 0, 2, 0, 0, "FusedTopKRouter softmax", "TritonExperts")
            for layer, (counts, tokens) in sorted(TP_MOE_COUNTS[dp].items()):
                t = t0 + 10 * ms + layer
                w.emit("moe_expert_counts_v2", t, layer, 1, tokens, counts)
                if layer == 0:
                    key, n = TP_MOE_PAIRS[dp]
                    w.emit("moe_expert_pairs_v2", t, layer, 8, [key], [n])
                    w.emit("moe_weight_histogram_v2", t, layer, 4, 0.0, 1.0, [key // 8 * 4 + 2], [n])
            w.close()


# session_eplb: 4 logical experts + 2 redundant = 6 physical slots over 2 EP ranks (3 each), MoE layers 1 and 2
# (layer 0 dense). Per placement: (event, map rows of layers 1 and 2, count windows per layer). Under placement 0
# layer 1's counts 10 10 60 20 put 5+5+60 = 70 on rank 0 and 20+5+5 = 30 on rank 1 (1.40), layer 2's 40 0 0 40
# put 20 and 60 (1.50), while vLLM's model-wide rank_load_imbalance reads 90 vs 90: 1.00. EplbPlacementsTest
# and the report test check these figures, written out there.
EPLB_PLACEMENTS = (
    (0, ([0, 1, 2, 3, 0, 1], [0, 1, 2, 3, 0, 1]), {1: [[4, 4, 30, 10], [6, 6, 30, 10]], 2: [[40, 0, 0, 40]]}),
    (1, ([2, 0, 1, 2, 3, 2], [0, 3, 1, 3, 0, 2]), {1: [[10, 10, 60, 20]], 2: [[40, 0, 0, 40]]}),
    (2, ([2, 0, 1, 2, 3, 2], [0, 3, 1, 3, 0, 2]), {1: [[60, 20, 20, 20]]}),
)


def _eplb_session(session):
    """One worker (TP rank 0 of 2, EP on, EPLB on with 2 redundant experts) that records three EPLB placements
    and the MoE counts under each (EPLB_PLACEMENTS)."""
    raw = os.path.join(session, "raw")
    os.makedirs(raw, exist_ok=True)
    for f in os.listdir(raw):
        os.remove(os.path.join(raw, f))
    t0, ms = 1_000_000_000, 1_000_000
    w = SpoolWriter(os.path.join(raw, "worker-701.pmspool"), _meta(701, "worker", 0))
    w.emit("parallel_identity", t0 + 1, 0, 2, 0, 0, 1, 0, 1, 0, 2, 0, 2, 0, 1, 0, 1, 3, "fixture-host",
           "initialize_model_parallel")
    w.emit("engine_config_v2", t0 + 2, json.dumps({
        "tensor_parallel_size": 2, "data_parallel_size": 1, "enable_expert_parallel": True, "enable_eplb": True,
        "num_redundant_experts": 2,
        "model_config": {"num_hidden_layers": 3, "num_experts": 4, "num_experts_per_tok": 2}}))
    for layer in (1, 2):
        w.emit("moe_layer", t0 + 3 + layer, layer, 3, 4, 0, 2, 0, 0, "FusedTopKRouter softmax", "TritonExperts")
    for k, (event, rows, windows) in enumerate(EPLB_PLACEMENTS):
        t = t0 + (k + 1) * 100 * ms
        w.emit("eplb_placement", t, event, 0, 2, 6, 4, 2, "moe-4", [1, 2], rows[0] + rows[1])
        for layer, counts in sorted(windows.items()):
            for i, c in enumerate(counts):
                w.emit("moe_expert_counts_v2", t + (i + 1) * 10 * ms + layer, layer, 8, sum(c) // 2, c)
    w.close()


# salted block keys of the golden session's prefix-cache lookups (any distinct nonzero i64s)
KEY_A0, KEY_B1, KEY_X1, KEY_S0 = 0x1A0, 0x1B1, -0x1C1, 0x150

# the W3C trace context of session_traced's requests (both sampled: flags 01)
TRACE_A = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1)
TRACE_C = ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 1)


def _traced_session(session, writer=SpoolWriter):
    """One EngineCore, three requests through chunked prefill, a preemption and its recomputation:
    req-a (traced, sampled) prefilled in two chunks, req-b (no trace context) preempted and
    recomputed, req-c (traced, another trace). As the probe writes them: prefill_chunk records at their
    step's schedule() start, before the step record; request events at schedule() end."""
    raw = os.path.join(session, "raw")
    os.makedirs(raw, exist_ok=True)
    for f in os.listdir(raw):
        os.remove(os.path.join(raw, f))
    ms = 1_000_000
    t0 = 1_000_000_000
    w = writer(os.path.join(raw, "engine_core-401.pmspool"), _meta(401, "engine_core", 0))
    w.emit("scheduler_limits", t0 + 1, 4, 64, 10)
    w.emit("request_event", t0 + 5 * ms, 1, 40, 0, 0, "req-a", "")
    w.emit("request_trace", t0 + 5 * ms, TRACE_A[2], "req-a", TRACE_A[0], TRACE_A[1])
    w.emit("request_event", t0 + 6 * ms, 1, 24, 0, 0, "req-b", "")
    w.emit("request_event", t0 + 41 * ms, 1, 8, 0, 0, "req-c", "")
    w.emit("request_trace", t0 + 41 * ms, TRACE_C[2], "req-c", TRACE_C[0], TRACE_C[1])
    # step: (chunks as (request, tokens), decode tokens, running, waiting, free blocks, preempted)
    steps = [([("req-a", 32)], 0, 1, 1, 7, 0), ([("req-a", 8), ("req-b", 24)], 0, 2, 0, 5, 0),
             ([], 2, 2, 0, 5, 0), ([], 1, 1, 1, 7, 1), ([("req-b", 26), ("req-c", 8)], 1, 3, 0, 3, 0),
             ([], 1, 1, 0, 7, 0), ([], 0, 0, 0, 10, 0)]
    for i, (chunks, dec, running, waiting, free, preempted) in enumerate(steps):
        t = t0 + (10 + 10 * i) * ms
        end = t + ms // 10  # schedule() took 0.1 ms
        if i == 3:
            w.emit("request_event", t, 3, 24, 2, 25, "req-b", "kv_cache_full")
        for rid, tokens in chunks:
            w.emit("prefill_chunk", t, i, tokens, rid)
        if i == 0:
            w.emit("request_event", end, 2, 40, 0, 0, "req-a", "")
        if i == 1:
            w.emit("request_event", end, 2, 24, 0, 0, "req-b", "")
        if i == 4:
            w.emit("request_event", end, 4, 0, 2, 0, "req-b", "")
            w.emit("request_event", end, 2, 8, 0, 0, "req-c", "")
        pre = sum(tokens for _, tokens in chunks)
        update = t - 3 * ms if i else 0  # the update_from_output() before this step, 2 ms long
        w.emit("scheduler_step_v3", t, i, ms // 10, update, 2 * ms if i else 0, len(chunks) + dec, pre + dec,
               len(chunks), pre, running, waiting, free, preempted, 1 if i in (0, 1, 4) else 0, 0, 0, 0)
        if i == 1:
            w.emit("request_event", t0 + 27 * ms, 6, 40, 1, 0, "req-a", "")
            w.emit("request_event", t0 + 27 * ms, 6, 24, 1, 0, "req-b", "")
        if i == 4:
            w.emit("request_event", t0 + 57 * ms, 6, 8, 1, 0, "req-c", "")
            w.emit("request_event", t0 + 57 * ms, 5, 40, 4, 0, "req-a", "stop")
            w.emit("request_event", t0 + 58 * ms, 5, 8, 1, 0, "req-c", "stop")
        if i == 5:
            w.emit("request_event", t0 + 67 * ms, 5, 24, 4, 0, "req-b", "length")
    w.close()


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "fixtures"))
