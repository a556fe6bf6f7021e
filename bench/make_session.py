"""Writes a synthetic ProfileMate session of N records with the probe's own SpoolWriter, for
bench/export_scale.sh (issue 23). Never writes into the repository: --out must be outside it.

The record mix follows a real H200/H100 MoE session (bench/results/h200/session11: Qwen3-MoE
shapes, 128 experts, top-8, 4 MoE layers, CUDA graphs on, 802,312 records over 41,180 steps):
per scheduler step, on the EngineCore: one scheduler_step_v3, one forward_pass, ~0.9 CUDA graph
replays, ~9.3 KV block evictions, ~2 cpu_operation, request events for ~0.43 new requests
(arrived, scheduled, first_token, finished); every 100 steps per layer one MoE counts, pairs and
routing-weight histogram record (fixed-width arrays) and 64 routing-weight samples; on the API
server one cpu_operation (output processing) per step. About 19.5 records per step.

Streams are segments raw/<role>-<pid>.<n>.pmspool under a disk budget of 0 (no limit) unless
--max-disk-mb is given: the generator is a writer like any probe, so it goes through the same
rotation code. Timestamps end at "now" on this host's monotonic clock (the clock the probe and a
live collector share), spaced 10 ms per step.

--pause-at F writes the first fraction F of the records, flushes every stream, prints "paused"
and waits for a line on stdin before writing the rest (a live session that grows by 1 - F).

--add-engine PID adds to an existing session (--out holds raw/ already) one more EngineCore (data
parallel rank 1, raw/engine_core-PID.<n>.pmspool) with the engine's share of the records, ending
now: a session that grew by --records (bench/refresh_scale.sh's "+1 %"). PID must sort after the
session's streams (the process order is the streams' name order).
"""
import argparse
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "probe"))

from profilemate_probe import spool as sp  # noqa: E402
from profilemate_probe.segments import Segments  # noqa: E402

RECORDS_PER_STEP = 19.5
STEP_NS = 10_000_000
LAYERS = 4
EXPERTS = 128
TOP_K = 8
BINS = 20
MIB = 1 << 20


def pack(name):
    rec = sp.RECORDS[name]
    if rec._whole is not None:
        return sp.packer(name)
    return lambda *values: rec.pack(values)


class Stream:
    def __init__(self, raw, role, pid, rank, start_mono, start_wall, budget_mb, segment_mb):
        meta = {"format": "profilemate-spool", "pid": pid, "ppid": 1, "role": role, "rank": rank, "host": "bench",
                "clock": {"monotonic_ns": start_mono, "wall_ns": start_wall}, "python": sys.version.split()[0],
                "profilers": ["cpu_timing", "cuda_graphs", "forward_pass", "kv_cache", "moe", "scheduler"],
                "config": {"CUDA_EVENT_BATCH_SIZE": 100, "MOE_WEIGHT_SAMPLE_TOKENS": 8,
                           "ENABLE_MOE_EXPERT_TRACKING": True}, "attach": "api", "probe_version": "bench"}
        segs = Segments(raw, "%s-%d" % (role, pid), max_bytes=segment_mb * MIB, budget_bytes=budget_mb * MIB)
        self.writer = sp.SpoolWriter(None, meta, flush_every=100, segments=segs)
        self.out = self.writer.out
        self.n = 0

    def put(self, data):
        self.out(data)
        self.n += 1
        if self.n % 100 == 0:
            self.writer.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, required=True, help="records to write (about)")
    ap.add_argument("--out", required=True, help="the session folder to create (outside the repository)")
    ap.add_argument("--pause-at", type=float, default=0.0, help="fraction after which to wait for a stdin line")
    ap.add_argument("--max-disk-mb", type=int, default=0, help="the session's disk budget (0: no limit)")
    ap.add_argument("--segment-mb", type=int, default=64)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--add-engine", type=int, default=0, metavar="PID",
                    help="add an EngineCore of this pid to the existing session --out (see above)")
    a = ap.parse_args()
    repo = os.path.realpath(os.path.join(HERE, ".."))
    if os.path.realpath(a.out).startswith(repo + os.sep):
        sys.exit("make_session: --out %s is inside the repository; write sessions under /tmp" % a.out)
    raw = os.path.join(a.out, "raw")
    if a.add_engine and a.pause_at > 0:
        sys.exit("make_session: --add-engine and --pause-at do not go together")
    if a.add_engine:
        if not os.path.isdir(raw):
            sys.exit("make_session: --add-engine needs an existing session: %s has no raw/" % a.out)
    else:
        os.makedirs(raw, mode=0o700)
    rnd = random.Random(a.seed)
    steps = int(a.records / RECORDS_PER_STEP) + 1
    now = time.monotonic_ns()
    t0 = now - steps * STEP_NS - 5_000_000_000
    wall0 = time.time_ns() - (now - t0)
    engine = Stream(raw, "engine_core", a.add_engine or 1142, 1 if a.add_engine else 0, t0, wall0, a.max_disk_mb,
                    a.segment_mb)
    if a.add_engine:
        api = None  # the API server is the session's own; this engine's output processing is not counted
    else:
        api = Stream(raw, "api_server", 893, -1, t0 - 2_000_000, wall0 - 2_000_000, a.max_disk_mb, a.segment_mb)

    E = engine.put
    E(sp.RECORDS["process_role"].pack((t0 + 1000, 1 if a.add_engine else 0,
                                       "EngineCore_DP1" if a.add_engine else "EngineCore_DP0")))
    E(sp.RECORDS["engine_config_v2"].pack((t0 + 2000, '{"model": "qwen3-moe-4l", "max_num_seqs": 64, '
                                                      '"max_num_batched_tokens": 1024, "num_gpu_blocks": 4096}')))
    E(pack("scheduler_limits")(t0 + 3000, 64, 1024, 4096))
    for layer in range(LAYERS):
        E(sp.RECORDS["moe_layer"].pack((t0 + 4000 + layer, layer, LAYERS, EXPERTS, 0, TOP_K, 0, 0,
                                        "FusedTopKRouter softmax", "TritonExperts")))
    for target in ("Scheduler.schedule", "GPUModelRunner.execute_model", "FusedMoE.forward"):
        E(sp.RECORDS["profiler_status"].pack((t0 + 5000, 1, "scheduler", target, "")))
    for size in (1, 2, 4, 8, 16, 32, 64):
        E(sp.RECORDS["cuda_graph_capture"].pack((t0 + 6000 + size, 20_000_000, size, size, 1, 0, "FULL")))
    step_v3 = pack("scheduler_step_v3")
    fwd = pack("forward_pass")
    replay = sp.RECORDS["cuda_graph_replay"]
    evict = pack("kv_block_eviction")
    cpu = sp.RECORDS["cpu_operation"]
    ev = sp.RECORDS["request_event"]
    counts = sp.RECORDS["moe_expert_counts_v2"]
    pairs = sp.RECORDS["moe_expert_pairs_v2"]
    hist = sp.RECORDS["moe_weight_histogram_v2"]
    sample = pack("moe_weight_sample")
    import struct
    pair_keys = [a * EXPERTS + b for a in range(EXPERTS) for b in range(a + 1, EXPERTS)]
    hist_keys = [e * BINS + b for e in range(EXPERTS) for b in range(BINS)]
    # array fields take raw little-endian bytes (as the probe hands over a tensor's buffer):
    # a few random count vectors, reused in turn, keep the generator's own cost down
    pair_counts = [struct.pack("<%dq" % len(pair_keys), *[rnd.randint(0, 50) for _ in pair_keys]) for _ in range(4)]
    hist_counts = [struct.pack("<%dq" % len(hist_keys), *[rnd.randint(0, 30) for _ in hist_keys]) for _ in range(4)]
    pair_keys = struct.pack("<%di" % len(pair_keys), *pair_keys)
    hist_keys = struct.pack("<%di" % len(hist_keys), *hist_keys)
    live = []  # (request id, output tokens left)
    next_req = 0
    paused = a.pause_at <= 0
    target_pause = int(a.records * a.pause_at)
    update_t = 0
    for s in range(steps):
        t = t0 + 10_000_000 + s * STEP_NS
        if not paused and engine.n + api.n >= target_pause:
            engine.writer.flush()
            api.writer.flush()
            print("paused after %d records" % (engine.n + api.n), flush=True)
            sys.stdin.readline()
            paused = True
        # requests: ~0.43 new per step, 4 events each over their life
        if rnd.random() < 0.43:
            rid = "chatcmpl-%032x" % rnd.getrandbits(128)
            prompt = rnd.randint(16, 900)
            E(ev.pack((t + 10, 1, prompt, 0, 0, rid, "")))
            E(ev.pack((t + 20, 2, prompt, 0, 0, rid, "")))
            live.append([rid, rnd.randint(8, 300), prompt, 0])
            next_req += 1
        new_prefill = sum(1 for r in live if r[3] == 0)
        nreq = len(live)
        ntok = min(1024, nreq + sum(r[2] for r in live if r[3] == 0))
        pre = ntok - (nreq - new_prefill)
        free = 4096 - min(4096, 40 * nreq)
        E(step_v3(t, s, rnd.randint(80_000, 400_000), update_t, rnd.randint(30_000, 90_000) if update_t else 0,
                  nreq, ntok, new_prefill, max(0, pre), nreq, rnd.randint(0, 3), free, 0, new_prefill, 0,
                  rnd.randint(0, 12), rnd.randint(0, 4)))
        update_t = t + 6_000_000
        phase = 2 if new_prefill and nreq > new_prefill else 0 if new_prefill else 1 if nreq else 3
        dur = rnd.randint(1_800_000, 5_000_000)
        E(fwd(t + 300_000, dur, phase, nreq, ntok, 1))
        if rnd.random() < 0.9:
            E(replay.pack((t + 310_000, dur - 50_000, max(1, nreq), -1 if phase == 2 else max(1, nreq),
                           1 if phase == 1 else 0, 0, "FULL" if phase == 1 else "PIECEWISE")))
        for _ in range(rnd.choice((8, 9, 9, 10, 10, 10))):
            E(evict(t + 320_000, rnd.randrange(4096), rnd.randint(10_000_000, 9_000_000_000),
                    rnd.randint(1_000_000, 3_000_000_000), t ^ 0x5BD1E995))  # block_key (spool 1.8): not from rnd,
        #                                                                   which keeps the rest of the session as it was
        E(cpu.pack((t + 5_000_000, rnd.randint(40_000, 120_000), "sampling", "")))
        E(cpu.pack((t + 5_200_000, rnd.randint(20_000, 60_000), "batch_preparation", "")))
        if api is not None:
            api.put(cpu.pack((t + 7_000_000, rnd.randint(50_000, 250_000), "output_processing", "outputs=%d" % nreq)))
        keep = []
        for r in live:
            if r[3] == 0:
                E(ev.pack((t + 6_100_000, 6, r[2], 1, r[2], r[0], "")))
            r[3] += 1
            if r[3] >= r[1]:
                E(ev.pack((t + 6_200_000, 5, r[2], r[3], r[2] + r[3], r[0], "length")))
            else:
                keep.append(r)
        live = keep[-64:]
        if s % 100 == 99:
            toks = max(1, ntok) * 100
            for layer in range(LAYERS):
                c = [rnd.randint(0, 2 * toks * TOP_K // EXPERTS) for _ in range(EXPERTS)]
                E(counts.pack((t + 8_000_000 + layer, layer, 100, toks, c)))
                E(pairs.pack((t + 8_000_100 + layer, layer, EXPERTS, pair_keys, pair_counts[(s + layer) % 4])))
                E(hist.pack((t + 8_000_200 + layer, layer, BINS, 0.0, 1.0, hist_keys, hist_counts[(s + layer) % 4])))
                for tok in range(8):
                    for e in rnd.sample(range(EXPERTS), TOP_K):
                        E(sample(t + 8_000_300 + layer, layer, tok, e, rnd.random() / 4))
    engine.writer.close()
    if api is not None:
        api.writer.close()
    napi = api.n if api is not None else 0
    print("wrote %d records (%d engine_core, %d api_server) in %d steps into %s"
          % (engine.n + napi, engine.n, napi, steps, a.out), flush=True)


if __name__ == "__main__":
    main()
