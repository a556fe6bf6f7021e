"""Start a real vLLM OpenAI server, drive mixed-length completions, stop it with SIGINT.

Runs on the GPU machine. Usage:
  python3 serve_bench.py --name NAME --model DIR --probe on|off --site SITE --probe-dir PROBE
         --sessions DIR --out RESULTS.jsonl [--requests 300] [--passes 3] [--blocks 160]
  python3 serve_bench.py --pair --name NAME --model DIR --site SITE --probe-dir PROBE
         --sessions DIR --out RESULTS.jsonl [--rounds 6] [--requests 300]
Probe on:  PYTHONPATH=PROBE:SITE, VLLM_ENABLE_PROFILING=1, VLLM_PROFILING_DIR=SESSIONS/NAME, PROFILEMATE_SIDECAR=0.
Probe off: PYTHONPATH=SITE only (the probe is not importable at all).
Each pass sends the same seeded request list (prompt token ids, max_tokens, ignore_eos) at
concurrency --concurrency and records wall time, output tokens/s and total tokens/s.

--pair: one probe-on server (NAME_on, port --port) and one probe-off server (NAME_off, port
--port+1) run side by side on the same GPU; only one is driven at a time, in ABBA order
(on,off, off,on, on,off, ...), so that drift over time, linear in the pass index, cancels in the
per-round ratio on/off of total tok/s. Logs: SESSIONS/NAME_on.log and SESSIONS/NAME_off.log.

--together (with --pair): the two servers on two GPUs (--gpu-on, --gpu-off), driven at the same
time, each by its own client process with the same requests: whatever the host does meanwhile
hits both alike. A second run with the GPUs swapped cancels what differs between the GPUs
(the geometric mean of the two runs' medians).
"""
import argparse, asyncio, json, os, random, shlex, signal, statistics, subprocess, sys, time, urllib.request


def healthy(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


def start(s, mode):
    """Starts server s ({"cmd", "env", "rec"}; rec["log"] is its log file)."""
    s["log"] = open(s["rec"]["log"], mode)
    s["t0"] = time.time()
    s["proc"] = subprocess.Popen(s["cmd"], env=s["env"], stdout=s["log"], stderr=subprocess.STDOUT)


def wait_all(ss, limit):
    """Waits until every server answers /health or has exited; sets rec["up"] and rec["startup_s"]."""
    t0 = time.time()
    while time.time() - t0 < limit:
        for s in ss:
            if "up" not in s["rec"]:
                if healthy(s["rec"]["port"]):
                    s["rec"]["up"] = True
                    s["rec"]["startup_s"] = round(time.time() - s["t0"], 1)
                elif s["proc"].poll() is not None:
                    s["rec"]["up"] = False
        if all("up" in s["rec"] for s in ss):
            break
        time.sleep(1)
    for s in ss:
        s["rec"].setdefault("up", False)
        s["rec"].setdefault("startup_s", round(time.time() - s["t0"], 1))


def workload(n, seed, vocab=1024):
    rnd = random.Random(seed)
    reqs = []
    for i in range(n):
        kind = rnd.random()
        if kind < 0.5:    # chat-like: short prompt, medium output
            p, o = rnd.randint(16, 128), rnd.randint(32, 200)
        elif kind < 0.8:  # long prompt (prefill-heavy, chunked), short output
            p, o = rnd.randint(300, 700), rnd.randint(8, 64)
        else:             # long both
            p, o = rnd.randint(150, 400), rnd.randint(200, 300)
        reqs.append(([rnd.randint(3, vocab - 1) for _ in range(p)], o))
    return reqs


async def drive(port, model, reqs, conc):
    import aiohttp
    sem = asyncio.Semaphore(conc)
    res = []
    # limit=0: as many connections as requests in flight (aiohttp's default caps them at 100)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600),
                                     connector=aiohttp.TCPConnector(limit=0)) as s:
        async def one(ids, mt):
            async with sem:
                t = time.perf_counter()
                body = {"model": model, "prompt": ids, "max_tokens": mt, "ignore_eos": True,
                        "temperature": 0.0, "stream": False}
                async with s.post(f"http://127.0.0.1:{port}/v1/completions", json=body) as r:
                    j = await r.json()
                    ok = r.status == 200
                u = j.get("usage", {}) if ok else {}
                done = time.perf_counter()
                res.append((ok, u.get("prompt_tokens", 0), u.get("completion_tokens", 0),
                            done - t, None if ok else str(j)[:300], done - t0))
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i, m) for i, m in reqs))
        wall = time.perf_counter() - t0
    return wall, res


def steady_tok_s(ok, lo=0.1, hi=0.8):
    """Tokens of the requests that completed between the lo and hi fractions of all completions,
    per second of that span: the server's throughput while the load keeps it full. The pass's
    wall time also holds the drain at its end, where a few long requests run almost alone;
    which ones come last varies from pass to pass, and so did wall-time throughput, by 10 %."""
    done = sorted((r[5], r[1] + r[2]) for r in ok)
    if len(done) < 10:
        return None
    i, j = int(lo * len(done)), int(hi * len(done))
    span = done[j][0] - done[i][0]
    return round(sum(t for _, t in done[i + 1:j + 1]) / span, 1) if span > 0 else None


def run_pass(port, reqs, conc):
    wall, res = asyncio.run(drive(port, "m", reqs, conc))
    ok = [r for r in res if r[0]]
    pt, ot = sum(r[1] for r in ok), sum(r[2] for r in ok)
    lat = sorted(r[3] for r in ok)
    return {"requests": len(res), "ok": len(ok), "wall_s": round(wall, 3), "prompt_tokens": pt,
            "output_tokens": ot, "output_tok_s": round(ot / wall, 1), "total_tok_s": round((pt + ot) / wall, 1),
            "steady_tok_s": steady_tok_s(ok),
            "lat_p50_s": round(lat[len(lat) // 2], 3) if lat else None,
            "errors": [r[4] for r in res if not r[0]][:3]}


def server(a, name, probe, port, extra=()):
    """Command, environment and record of one server (not started)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if probe == "on":
        sess = os.path.join(a.sessions, name)
        os.makedirs(sess, exist_ok=True)
        env.update(PYTHONPATH=f"{a.probe_dir}:{a.site}", VLLM_ENABLE_PROFILING="1",
                   VLLM_PROFILING_DIR=sess, PROFILEMATE_SIDECAR="0")
    else:
        env.update(PYTHONPATH=a.site, VLLM_ENABLE_PROFILING="0")
    env.setdefault("VLLM_LOGGING_LEVEL", "INFO")
    if a.pair:  # two servers compiling the same model at once must not share the torch.compile cache
        env["VLLM_CACHE_ROOT"] = f"/tmp/vcache/{name}"
    if a.together:  # one GPU each
        env["CUDA_VISIBLE_DEVICES"] = str(a.gpu_on if name.endswith("_on") else a.gpu_off)
    cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", a.model,
           "--served-model-name", "m", "--load-format", a.load_format, "--port", str(port),
           "--max-model-len", "1024", "--num-gpu-blocks-override", str(a.blocks), "--block-size", "16",
           "--max-num-seqs", "64", "--max-num-batched-tokens", "1024", "--max-cudagraph-capture-size", "128",
           "--gpu-memory-utilization", "0.3" if a.pair and not a.together else "0.5", "--seed", "0",
           "--disable-uvicorn-access-log", *extra]
    if a.server_cmd:  # local test of the driver against a stand-in (no vLLM)
        cmd = shlex.split(a.server_cmd.format(port=port))
    rec = {"name": name, "probe": probe, "port": port, "cmd": " ".join(cmd),
           "env": {k: v for k, v in sorted(env.items())
                   if k in ("PYTHONPATH", "CUDA_VISIBLE_DEVICES") or k.startswith(("VLLM_", "PROFILEMATE_", "ENABLE_"))}}
    return cmd, env, rec


def stop(proc, rec):
    t1 = time.time()
    proc.send_signal(signal.SIGINT)
    try:
        rec["exit_code"] = proc.wait(90)
    except subprocess.TimeoutExpired:
        proc.kill(); proc.wait(); rec["exit_code"] = "killed after 90 s"
    rec["shutdown_s"] = round(time.time() - t1, 1)


def single(a):
    cmd, env, rec = server(a, a.name, a.probe, a.port)
    rec.update(model=os.path.basename(a.model), log=a.log)
    s = {"cmd": cmd, "env": env, "rec": rec}
    start(s, "w")
    wait_all([s], a.startup_limit)
    up = rec["up"]
    print(f"[{a.name}] up={up} after {rec['startup_s']} s", flush=True)
    if up:
        reqs = workload(a.requests, seed=1234)
        asyncio.run(drive(a.port, "m", workload(32, seed=99), 32))  # warm-up, not timed
        rec["passes"] = []
        for i in range(a.passes):
            p = run_pass(a.port, reqs, a.concurrency)
            rec["passes"].append(p)
            print(f"[{a.name}] pass {i}: {p}", flush=True)
    stop(s["proc"], rec)
    s["log"].close()
    with open(a.out, "a") as f:
        f.write(json.dumps(rec) + "\n")
    print(f"[{a.name}] exit={rec['exit_code']} shutdown {rec['shutdown_s']} s", flush=True)
    if not up:
        os.system(f"tail -60 {a.log}")


def bootstrap_median(xs, n=2000, seed=7):
    rnd = random.Random(seed)
    meds = sorted(statistics.median(rnd.choices(xs, k=len(xs))) for _ in range(n))
    return [round(meds[int(0.025 * n)], 4), round(meds[int(0.975 * n) - 1], 4)]


def pair(a):
    # --shutdown-timeout (vLLM 0.26 EngineArgs, int, default 0 = abort) lets the EngineCore
    # leave its busy loop before the process manager kills it, so the probe can close its spool.
    # Only shutdown reads it; the timed passes are not affected.
    srv = {}
    for tag, port, extra in (("on", a.port, ("--shutdown-timeout", "10")), ("off", a.port + 1, ())):
        # --aa: the A/A control, both servers without the probe: what the set-up alone differs by
        cmd, env, rec = server(a, f"{a.name}_{tag}", "off" if a.aa else tag, port, extra)
        rec["log"] = os.path.join(a.sessions, f"{a.name}_{tag}.log")
        rec["restarts"] = 0
        srv[tag] = {"cmd": cmd, "env": env, "rec": rec}
    os.makedirs(a.sessions, exist_ok=True)

    for s in srv.values():
        start(s, "w")
    wait_all(list(srv.values()), a.startup_limit)
    # vLLM's start-up memory profile asserts that free GPU memory did not grow meanwhile, which the
    # other server starting on the same GPU can break; a second start, with the other one idle, can't.
    dead = [s for s in srv.values() if not s["rec"]["up"] and s["proc"].poll() is not None]
    if len(dead) == 1 and all(s["rec"]["up"] for s in srv.values() if s not in dead):
        s = dead[0]
        print(f"[{s['rec']['name']}] exited during start-up (rc {s['proc'].returncode}): restarting once", flush=True)
        s["log"].close()
        s["rec"].update(restarts=1, first_exit_code=s["proc"].returncode)
        del s["rec"]["up"], s["rec"]["startup_s"]
        start(s, "a")
        wait_all([s], a.startup_limit)
    for tag, s in srv.items():
        print(f"[{a.name}_{tag}] up={s['rec']['up']} after {s['rec']['startup_s']} s", flush=True)

    mode = ("together" if a.together else "pair") + ("_aa" if a.aa else "")
    rec = {"mode": mode, "gpu_on": a.gpu_on if a.together else None, "name": a.name, "model": os.path.basename(a.model), "rounds": a.rounds,
           "requests": a.requests, "concurrency": a.concurrency, "servers": {t: s["rec"] for t, s in srv.items()}}
    if all(s["rec"]["up"] for s in srv.values()):
        for s in srv.values():  # warm-up, not timed
            asyncio.run(drive(s["rec"]["port"], "m", workload(32, seed=99), 32))
        rec["passes"], ratios, steadies = [], [], []
        t0 = time.time()
        pool = None
        if a.together:
            import concurrent.futures
            import multiprocessing
            pool = concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
        for r in range(a.rounds):
            # new prompts each round, the same for both servers within it: a repeated list would
            # be served partly from the prefix cache left by earlier rounds, a different part each time
            reqs = workload(a.requests, seed=1234 + r)
            t_s = round(time.time() - t0, 1)
            passes = {}
            if pool is not None:  # both at once
                futs = {tag: pool.submit(run_pass, srv[tag]["rec"]["port"], reqs, a.concurrency) for tag in ("on", "off")}
                passes = {tag: dict(fut.result(), t_s=t_s) for tag, fut in futs.items()}
            else:
                for tag in (("on", "off") if r % 2 == 0 else ("off", "on")):
                    t_s = round(time.time() - t0, 1)
                    passes[tag] = dict(run_pass(srv[tag]["rec"]["port"], reqs, a.concurrency), t_s=t_s)
            for tag, p in passes.items():
                rec["passes"].append(dict({"server": tag, "round": r}, **p))
                print(f"[{a.name}] round {r} {tag}: {p['total_tok_s']} tok/s, wall {p['wall_s']} s, "
                      f"p50 {p['lat_p50_s']} s, ok {p['ok']}/{p['requests']}", flush=True)
            ratios.append(round(passes["on"]["total_tok_s"] / passes["off"]["total_tok_s"], 4))
            if passes["on"]["steady_tok_s"] and passes["off"]["steady_tok_s"]:
                steadies.append(round(passes["on"]["steady_tok_s"] / passes["off"]["steady_tok_s"], 4))
        if pool is not None:
            pool.shutdown()
        med = statistics.median(ratios)
        rec.update(ratios=ratios, median_ratio=round(med, 4), mean_ratio=round(statistics.mean(ratios), 4),
                   ci95_median_ratio=bootstrap_median(ratios), overhead_pct=round(100 * (1 - med), 2),
                   failed_requests=sum(p["requests"] - p["ok"] for p in rec["passes"]))
        if steadies:  # the same, from throughput while the server is full (steady_tok_s)
            rec.update(steady_ratios=steadies, steady_median_ratio=round(statistics.median(steadies), 4),
                       steady_ci95_median_ratio=bootstrap_median(steadies))
    for s in srv.values():
        if s["proc"].poll() is None:
            stop(s["proc"], s["rec"])
        else:
            s["rec"].update(exit_code=s["proc"].returncode, shutdown_s=0)
        s["log"].close()
    with open(a.out, "a") as f:
        f.write(json.dumps(rec) + "\n")
    for tag, s in srv.items():
        print(f"[{a.name}_{tag}] exit={s['rec']['exit_code']} shutdown {s['rec']['shutdown_s']} s", flush=True)
        if not s["rec"]["up"]:
            os.system(f"tail -60 {s['rec']['log']}")
    if "ratios" in rec:
        lo, hi = rec["ci95_median_ratio"]
        print(f"[{a.name}] on/off total tok/s: median {rec['median_ratio']} (95% CI {lo}-{hi}), "
              f"mean {rec['mean_ratio']}, overhead {rec['overhead_pct']} %, rounds {rec['ratios']}, "
              f"failed requests {rec['failed_requests']}", flush=True)
    if "steady_ratios" in rec:
        lo, hi = rec["steady_ci95_median_ratio"]
        print(f"[{a.name}] on/off steady tok/s: median {rec['steady_median_ratio']} (95% CI {lo}-{hi}), "
              f"rounds {rec['steady_ratios']}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name"); ap.add_argument("--model"); ap.add_argument("--probe")
    ap.add_argument("--site"); ap.add_argument("--probe-dir"); ap.add_argument("--sessions")
    ap.add_argument("--out"); ap.add_argument("--log")
    ap.add_argument("--requests", type=int, default=300); ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=96); ap.add_argument("--blocks", type=int, default=160)
    ap.add_argument("--port", type=int, default=8011); ap.add_argument("--startup-limit", type=int, default=300)
    ap.add_argument("--pair", action="store_true"); ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--load-format", default="dummy")  # safetensors for a model folder with weights
    ap.add_argument("--aa", action="store_true")  # with --pair: the "on" server runs without the probe too
    ap.add_argument("--together", action="store_true")  # with --pair: both at once, one GPU each
    ap.add_argument("--gpu-on", type=int, default=0); ap.add_argument("--gpu-off", type=int, default=1)
    ap.add_argument("--server-cmd", help=argparse.SUPPRESS)  # test only: "CMD ... {port}" instead of vLLM
    a = ap.parse_args()
    pair(a) if a.pair else single(a)


if __name__ == "__main__":
    main()
