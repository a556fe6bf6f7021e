"""Start a real vLLM OpenAI server, drive mixed-length completions, stop it with SIGINT.

Runs on the GPU machine. Usage:
  python3 serve_bench.py --name NAME --model DIR --probe on|off --site SITE --probe-dir PROBE
         --sessions DIR --out RESULTS.jsonl [--requests 300] [--passes 3] [--blocks 160]
Probe on:  PYTHONPATH=PROBE:SITE, VLLM_ENABLE_PROFILING=1, VLLM_PROFILING_DIR=SESSIONS/NAME, PROFILEMATE_SIDECAR=0.
Probe off: PYTHONPATH=SITE only (the probe is not importable at all).
Each pass sends the same seeded request list (prompt token ids, max_tokens, ignore_eos) at
concurrency --concurrency and records wall time, output tokens/s and total tokens/s.
"""
import argparse, asyncio, json, os, random, signal, subprocess, sys, time, urllib.request


def wait_health(port, proc, limit):
    t0 = time.time()
    while time.time() - t0 < limit:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except Exception:
            pass
        time.sleep(1)
    return False


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
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as s:
        async def one(ids, mt):
            async with sem:
                t = time.perf_counter()
                body = {"model": model, "prompt": ids, "max_tokens": mt, "ignore_eos": True,
                        "temperature": 0.0, "stream": False}
                async with s.post(f"http://127.0.0.1:{port}/v1/completions", json=body) as r:
                    j = await r.json()
                    ok = r.status == 200
                u = j.get("usage", {}) if ok else {}
                res.append((ok, u.get("prompt_tokens", 0), u.get("completion_tokens", 0),
                            time.perf_counter() - t, None if ok else str(j)[:300]))
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i, m) for i, m in reqs))
        wall = time.perf_counter() - t0
    return wall, res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name"); ap.add_argument("--model"); ap.add_argument("--probe")
    ap.add_argument("--site"); ap.add_argument("--probe-dir"); ap.add_argument("--sessions")
    ap.add_argument("--out"); ap.add_argument("--log")
    ap.add_argument("--requests", type=int, default=300); ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=96); ap.add_argument("--blocks", type=int, default=160)
    ap.add_argument("--port", type=int, default=8011); ap.add_argument("--startup-limit", type=int, default=300)
    a = ap.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    sess = os.path.join(a.sessions, a.name)
    if a.probe == "on":
        os.makedirs(sess, exist_ok=True)
        env.update(PYTHONPATH=f"{a.probe_dir}:{a.site}", VLLM_ENABLE_PROFILING="1",
                   VLLM_PROFILING_DIR=sess, PROFILEMATE_SIDECAR="0")
    else:
        env.update(PYTHONPATH=a.site, VLLM_ENABLE_PROFILING="0")
    env.setdefault("VLLM_LOGGING_LEVEL", "INFO")
    cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", a.model,
           "--served-model-name", "m", "--load-format", "dummy", "--port", str(a.port),
           "--max-model-len", "1024", "--num-gpu-blocks-override", str(a.blocks), "--block-size", "16",
           "--max-num-seqs", "64", "--max-num-batched-tokens", "1024", "--max-cudagraph-capture-size", "128",
           "--gpu-memory-utilization", "0.5", "--seed", "0", "--disable-uvicorn-access-log"]
    rec = {"name": a.name, "probe": a.probe, "model": os.path.basename(a.model), "cmd": " ".join(cmd),
           "env": {k: env[k] for k in ("PYTHONPATH", "VLLM_ENABLE_PROFILING", "VLLM_PROFILING_DIR",
                                        "PROFILEMATE_SIDECAR") if k in env}}
    log = open(a.log, "w")
    t0 = time.time()
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    up = wait_health(a.port, proc, a.startup_limit)
    rec["startup_s"] = round(time.time() - t0, 1)
    rec["up"] = up
    print(f"[{a.name}] up={up} after {rec['startup_s']} s", flush=True)
    if up:
        reqs = workload(a.requests, seed=1234)
        asyncio.run(drive(a.port, "m", workload(32, seed=99), 32))  # warm-up, not timed
        rec["passes"] = []
        for i in range(a.passes):
            wall, res = asyncio.run(drive(a.port, "m", reqs, a.concurrency))
            ok = [r for r in res if r[0]]
            pt, ot = sum(r[1] for r in ok), sum(r[2] for r in ok)
            lat = sorted(r[3] for r in ok)
            p = {"requests": len(res), "ok": len(ok), "wall_s": round(wall, 3), "prompt_tokens": pt,
                 "output_tokens": ot, "output_tok_s": round(ot / wall, 1), "total_tok_s": round((pt + ot) / wall, 1),
                 "lat_p50_s": round(lat[len(lat) // 2], 3) if lat else None,
                 "errors": [r[4] for r in res if not r[0]][:3]}
            rec["passes"].append(p)
            print(f"[{a.name}] pass {i}: {p}", flush=True)
    t1 = time.time()
    proc.send_signal(signal.SIGINT)
    try:
        rec["exit_code"] = proc.wait(90)
    except subprocess.TimeoutExpired:
        proc.kill(); rec["exit_code"] = "killed after 90 s"
    rec["shutdown_s"] = round(time.time() - t1, 1)
    log.close()
    with open(a.out, "a") as f:
        f.write(json.dumps(rec) + "\n")
    print(f"[{a.name}] exit={rec['exit_code']} shutdown {rec['shutdown_s']} s", flush=True)
    if not up:
        os.system(f"tail -60 {a.log}")


if __name__ == "__main__":
    main()
