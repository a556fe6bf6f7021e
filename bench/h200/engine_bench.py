"""The probe's end-to-end cost on a real vLLM engine: three engines on one GPU (probe on, probe
off, and probe off again as the A/A control), the same work for each.

Runs on the GPU machine. Usage:
  python3 engine_bench.py --name NAME --model DIR --site SITE --probe-dir PROBE --sessions DIR
         --out RESULTS.jsonl [--gpu 0] [--requests 600] [--budget-s 520] [--blocks 4096]
         [--capture-max 128] [--together]

Each arm is vLLM's offline engine (`LLM(...)`: the same EngineCore process, worker, CUDA graphs
and front-end output processing as `vllm serve`, without HTTP). A pass hands it a whole request
list at once, with fixed output lengths (ignore_eos), and runs LLM.generate's loop; it records
when each request finished. One arm (--first, "off" by default) starts first and fills the
torch.compile cache that the others then load. --first none: all three start at once, each
compiling into a cache of its own, so that no arm starts differently (session 7 found the
first-started arm 1.3 % faster than the other probe-off arm). Rounds continue while another
one still fits in --budget-s; each round has new prompts, the same for all arms.

Sequential rounds (default): the arms take turns, each first equally often and in both
directions (for three arms, all six orders); ratio = arm / off of total tokens per second
within the round.
--together: the arms run each round's pass at the same time, on the same GPU, so whatever
slows the machine meanwhile slows them all; ratio = arm / off of the tokens of the requests
finished within the same window: the first 90 % of the shortest pass (all still running).

--arms (default on,off,aa): more arms, e.g. probe-on variants with one part of the probe off,
each compared with "off" in the same rounds: --arms on,off,aa,on-nofwd
--arm-env on-nofwd:ENABLE_FORWARD_PASS_TIMING=0 (each arm's session is SESSIONS/NAME_TAG).
Each arm gets --gpu-memory-utilization, by default 0.75 / number of arms.

--serve: each arm is a real `vllm serve` (python -m vllm.entrypoints.openai.api_server, on
--port + the arm's index in --arms) behind a small client process that speaks the same
protocol: a pass posts the whole request list at once (non-streaming completions, prompt token
ids, ignore_eos; one connection per request), the server's front end, EngineCore and worker
doing the rest; each request's finish time is when its response arrived.
"""
import argparse
import json
import os
import select
import statistics
import subprocess
import sys
import time

from serve_bench import bootstrap_median, workload  # the same request mix as the server pairs


def probe_on(tag):
    """Arms "off" and "aa" run without the probe; "on" and every "on-..." variant with it."""
    return tag == "on" or tag.startswith("on-")


# ---- one arm: an LLM that runs passes on command (stdin), one JSON line per pass (stdout) ----

def pass_commands(proto):
    """Says READY, then yields (seed, n) of each "pass SEED N" line until "quit"."""
    proto.write("READY\n")
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            return
        yield int(cmd[1]), int(cmd[2])


def answer_pass(proto, wall, done, **extra):
    """One PASS line: `done` holds (seconds into the pass, tokens) of each finished request."""
    tokens = sum(t for _, t in done)
    proto.write("PASS " + json.dumps(dict(extra, wall_s=round(wall, 4), tokens=tokens,
                                          total_tok_s=round(tokens / wall, 1), finished=done)) + "\n")


def arm(a):
    from vllm import LLM, SamplingParams
    from vllm.sampling_params import RequestOutputKind
    llm = LLM(model=a.model, load_format=a.load_format, max_model_len=1024, block_size=16,
              num_gpu_blocks_override=a.blocks, max_num_seqs=64, max_num_batched_tokens=1024,
              max_cudagraph_capture_size=a.capture_max, gpu_memory_utilization=a.gpu_memory_utilization, seed=0)
    engine = llm.llm_engine
    proto = os.fdopen(int(os.environ["PM_BENCH_FD"]), "w", buffering=1)  # vLLM logs to stdout
    for seed, n in pass_commands(proto):
        reqs = workload(n, seed)
        # LLM.generate's loop, keeping when each request finished (for --together's common window)
        t0 = time.perf_counter()
        for i, (ids, o) in enumerate(reqs):
            engine.add_request(f"{seed}-{i}", {"prompt_token_ids": ids},
                               SamplingParams(max_tokens=o, ignore_eos=True, temperature=0.0,
                                              output_kind=RequestOutputKind.FINAL_ONLY))
        done = []
        while engine.has_unfinished_requests():
            for out in engine.step():
                if out.finished:
                    done.append((round(time.perf_counter() - t0, 4),
                                 len(out.prompt_token_ids) + sum(len(c.token_ids) for c in out.outputs)))
        answer_pass(proto, time.perf_counter() - t0, done, requests=len(done))
    # the EngineCore leaves its busy loop on the client's shutdown; the probe closes its spools at exit
    engine.engine_core.shutdown()
    proto.write("BYE\n")


def serve_arm(a):
    """The same protocol in front of a real `vllm serve` (the OpenAI API server module): this
    process starts the server, and each pass posts the whole request list to it at once. The
    server never outlives this process."""
    import ctypes
    import signal
    cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", a.model,
           "--served-model-name", "m", "--load-format", a.load_format, "--port", str(a.port),
           "--max-model-len", "1024", "--num-gpu-blocks-override", str(a.blocks), "--block-size", "16",
           "--max-num-seqs", "64", "--max-num-batched-tokens", "1024",
           "--max-cudagraph-capture-size", str(a.capture_max),
           "--gpu-memory-utilization", str(a.gpu_memory_utilization), "--seed", "0",
           # lets the EngineCore leave its loop before it is killed, so the probe closes its spool
           "--shutdown-timeout", "10", "--disable-uvicorn-access-log"]
    if a.server_cmd:  # local test of the driver against a stand-in (no vLLM)
        cmd = a.server_cmd.format(port=a.port).split()

    def die_with_this_client():  # a server left behind would hold its GPU memory and port
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    # its output goes where the arm's goes (the arm's log); its own process group, so that a
    # kill reaches its EngineCore too; not the driver's command pipe as its stdin
    server = subprocess.Popen(cmd, env=dict(os.environ, **json.loads(os.environ["PM_SERVER_ENV"])),
                              stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_this_client)
    try:
        serve_passes(a, server)
    finally:  # also when the client fails: the server never outlives it
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(90)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(server.pid, signal.SIGKILL)  # whatever of the server is left
        except OSError:
            pass
        server.wait()
        os.write(int(os.environ["PM_BENCH_FD"]), f"BYE {server.returncode}\n".encode())


def serve_passes(a, server):
    """READY once the server answers /health, then one PASS line per pass command."""
    import asyncio
    import urllib.request
    from serve_bench import drive
    proto = os.fdopen(int(os.environ["PM_BENCH_FD"]), "w", buffering=1, closefd=False)
    while server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{a.port}/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        time.sleep(1)
    if server.poll() is not None:
        sys.exit(server.returncode or 1)  # the driver sees the arm exit during start-up
    for seed, n in pass_commands(proto):
        # all requests at once, as LLM.generate adds them: the server's own queue orders them
        wall, res = asyncio.run(drive(a.port, "m", workload(n, seed), n))
        done = [(round(r[5], 4), r[1] + r[2]) for r in res if r[0]]
        answer_pass(proto, wall, done, requests=len(res), ok=len(done), errors=[r[4] for r in res if not r[0]][:3])


# ---- the driver ----

class Arm:
    def __init__(self, a, tag):
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        cache = f"/tmp/vcache/{os.path.basename(a.model)}" + (f"_{tag}" if a.first == "none" else "")
        env.update(CUDA_VISIBLE_DEVICES=str(a.gpu), VLLM_CACHE_ROOT=cache,
                   PYTHONUNBUFFERED="1")
        if probe_on(tag):
            session = os.path.join(a.sessions, f"{a.name}_{tag}")
            os.makedirs(session, exist_ok=True)
            vllm_env = dict(PYTHONPATH=f"{a.probe_dir}:{a.site}", VLLM_ENABLE_PROFILING="1",
                            VLLM_PROFILING_DIR=session, PROFILEMATE_SIDECAR="0")
            vllm_env.update(a.arm_env.get(tag, {}))  # an arm may turn the collector on
        else:
            vllm_env = dict(PYTHONPATH=a.site, VLLM_ENABLE_PROFILING="0")
        # with --serve the probe goes into the server, not into the client in front of it
        self.env = dict(env, PM_SERVER_ENV=json.dumps(vllm_env)) if a.serve else dict(env, **vllm_env)
        self.cmd = a.arm_cmd.split() if a.arm_cmd else [
            sys.executable, os.path.abspath(__file__), "--arm", "--model", a.model, "--load-format", a.load_format,
            "--blocks", str(a.blocks), "--gpu-memory-utilization", str(a.gpu_memory_utilization),
            "--capture-max", str(a.capture_max)]
        if a.serve:
            self.cmd += ["--serve", "--port", str(a.port + a.arms.index(tag))]
            if a.server_cmd:
                self.cmd += ["--server-cmd", a.server_cmd]
        self.log_path = os.path.join(a.sessions, f"{a.name}_{tag}.log")
        self.rec = {"tag": tag, "probe": probe_on(tag), "cmd": " ".join(self.cmd), "log": self.log_path,
                    "env": {k: v for k, v in sorted(dict(env, **vllm_env).items()) if k in ("PYTHONPATH", "CUDA_VISIBLE_DEVICES")
                            or k.startswith(("VLLM_", "PROFILEMATE_", "ENABLE_"))}}
        self.proc = None

    def start(self):
        self.t0 = time.time()
        self.log = open(self.log_path, "a")
        # the arm answers on a pipe of its own: vLLM logs to stdout (into the arm's log here)
        r, w = os.pipe()
        self.proc = subprocess.Popen(self.cmd, env=dict(self.env, PM_BENCH_FD=str(w)), stdin=subprocess.PIPE,
                                     stdout=self.log, stderr=subprocess.STDOUT, pass_fds=(w,), text=True, bufsize=1)
        os.close(w)
        self.answers, self.pending = r, b""

    def expect(self, word, limit):
        """The payload of the arm's next answer line starting with `word`."""
        end = time.time() + limit
        while True:
            while b"\n" in self.pending:
                line, self.pending = self.pending.split(b"\n", 1)
                if line.startswith(word.encode()):
                    return line[len(word):].decode().strip()
            if time.time() >= end:
                return None
            # the raw pipe, not a buffered file: select cannot see lines a buffer already holds
            ready, _, _ = select.select([self.answers], [], [], max(0.0, min(5.0, end - time.time())))
            if not ready:
                if self.proc.poll() is not None:
                    return None  # the arm exited (its EngineCore may still hold the pipe open)
                continue
            data = os.read(self.answers, 1 << 16)
            if not data:
                return None
            self.pending += data

    def send(self, line):
        """Sends one command; an arm that has exited says so by not answering (see expect)."""
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except OSError:
            pass

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                bye = self.expect("BYE", 150)  # a server arm says how its server exited
                if bye:
                    self.rec["server_exit_code"] = int(bye)
                self.proc.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.rec["exit_code"] = self.proc.returncode
        os.close(self.answers)
        self.log.close()


def summary(ratios):
    med = statistics.median(ratios)
    return {"ratios": ratios, "median": round(med, 4), "mean": round(statistics.mean(ratios), 4),
            "ci95_median": bootstrap_median(ratios), "stdev": round(statistics.stdev(ratios), 4) if len(ratios) > 1 else None}


def start_arms(arms, tags, limit):
    """Starts the arms named; one that exits during start-up (vLLM's memory profile can trip over
    another engine starting on the same GPU) is started once more when the others are up."""
    for t in tags:
        arms[t].start()
    for t in tags:
        up = arms[t].expect("READY", limit - (time.time() - arms[t].t0)) is not None
        if not up and arms[t].proc.poll() is not None:
            print(f"[{t}] exited during start-up (rc {arms[t].proc.returncode}): starting it once more", flush=True)
            arms[t].rec["first_exit_code"] = arms[t].proc.returncode
            arms[t].log.close()
            os.close(arms[t].answers)
            arms[t].start()
            up = arms[t].expect("READY", limit) is not None
        arms[t].rec.update(up=up, startup_s=round(time.time() - arms[t].t0, 1))
        print(f"[{t}] up={up} after {arms[t].rec['startup_s']} s", flush=True)
    return all(arms[t].rec["up"] for t in tags)


def tokens_by(finished, t):
    """Tokens of the requests that had finished t seconds into the pass."""
    return sum(tokens for done, tokens in finished if done <= t)


def drive(a):
    t_start = time.time()
    os.makedirs(a.sessions, exist_ok=True)
    arms = {t: Arm(a, t) for t in a.arms}
    rec = {"mode": "engine_together" if a.together else "engine_rounds", "serve": a.serve, "capture_max": a.capture_max, "first": a.first, "name": a.name, "model": os.path.basename(a.model), "gpu": a.gpu,
           "requests": a.requests, "arms": {t: arm.rec for t, arm in arms.items()}, "passes": []}
    if a.first == "none":  # all at once, a compile cache each
        up = start_arms(arms, a.arms, a.startup_limit)
    else:  # one first: it compiles the model into the cache the other two then load
        rest = [t for t in a.arms if t != a.first]
        up = start_arms(arms, [a.first], a.startup_limit) and start_arms(arms, rest, a.startup_limit)
    if up:
        for arm in arms.values():  # warm-up, not timed
            arm.send("pass 99 64")
            arm.expect("PASS", 300)
        round_s, r = 0.0, 0
        ratios = {t: [] for t in a.arms if t != "off"}
        k = len(a.arms)
        while time.time() - t_start + round_s * 1.2 < a.budget_s and (a.rounds == 0 or r < a.rounds):
            t_r = time.time()
            tok_s = {}
            # in turn: each arm first equally often, and in both directions (for three arms, all six orders)
            tags = a.arms if a.together else a.arms[r % k:] + a.arms[:r % k]
            if not a.together and (r // k) % 2:
                tags = tags[::-1]
            command = f"pass {1234 + r} {a.requests}"
            if a.together:
                for tag in tags:
                    arms[tag].send(command)
            passes = {}
            for tag in tags:
                if not a.together:
                    arms[tag].send(command)
                got = arms[tag].expect("PASS", 600)
                if got is None:
                    print(f"[{tag}] round {r}: no answer; stopping", flush=True)
                    break
                passes[tag] = json.loads(got)
            if len(passes) < len(a.arms):
                break
            # at once: the arms' tokens over the same window, which ends while all still run
            window = 0.9 * min(p["wall_s"] for p in passes.values())
            for tag, p in passes.items():
                finished = p.pop("finished")
                if a.together:
                    p["window_s"] = round(window, 4)
                    p["window_tok_s"] = round(tokens_by(finished, window) / window, 1)
                rec["passes"].append(dict(p, arm=tag, round=r))
                tok_s[tag] = p["window_tok_s" if a.together else "total_tok_s"]
            for tag in ratios:
                ratios[tag].append(round(tok_s[tag] / tok_s["off"], 4))
            round_s = time.time() - t_r
            print(f"[{a.name}] round {r} ({'/'.join(tags)}, {round_s:.0f} s): "
                  + ", ".join(f"{t} {v} tok/s" for t, v in tok_s.items())
                  + "; " + ", ".join(f"{t}/off {v[-1]}" for t, v in ratios.items()), flush=True)
            r += 1
        if all(ratios.values()):
            for tag, xs in ratios.items():
                rec[f"{tag}_vs_off"] = summary(xs)
            if "on" in ratios:
                rec["overhead_pct"] = round(100 * (1 - rec["on_vs_off"]["median"]), 2)
    rec["elapsed_s"] = round(time.time() - t_start, 1)
    with open(a.out, "a") as f:  # before the arms stop: a call cut short in their shutdown keeps it
        f.write(json.dumps(rec) + "\n")
    exits = {}
    for tag, arm in arms.items():
        if arm.proc is not None:
            arm.stop()
            exits[tag] = {key: arm.rec.get(key) for key in ("exit_code", "server_exit_code") if key in arm.rec}
            print(f"[{tag}] exit code {arm.rec['exit_code']}"
                  + (f", server exit code {arm.rec.get('server_exit_code')}" if a.serve else ""), flush=True)
    with open(a.out, "a") as f:  # a line of its own, without passes (engine_ratios skips it)
        f.write(json.dumps({"name": a.name, "mode": "exit_codes", "arms": exits}) + "\n")
    for key in (f"{t}_vs_off" for t in a.arms):
        if key in rec:
            s = rec[key]
            print(f"[{a.name}] {key}: median {s['median']} (95% CI {s['ci95_median'][0]}-{s['ci95_median'][1]}), "
                  f"mean {s['mean']}, stdev {s['stdev']}, rounds {s['ratios']}", flush=True)
    if not up:
        for arm in arms.values():
            os.system(f"tail -40 {arm.log_path}")
    return 0 if rec["passes"] and all(f"{t}_vs_off" in rec for t in a.arms if t != "off") else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arm", action="store_true", help=argparse.SUPPRESS)  # internal: be one arm
    ap.add_argument("--name"); ap.add_argument("--model"); ap.add_argument("--site"); ap.add_argument("--probe-dir")
    ap.add_argument("--sessions"); ap.add_argument("--out")
    ap.add_argument("--gpu", type=int, default=0); ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=0)  # 0: as many as --budget-s allows
    ap.add_argument("--budget-s", type=float, default=520); ap.add_argument("--startup-limit", type=float, default=330)
    ap.add_argument("--blocks", type=int, default=4096); ap.add_argument("--load-format", default="dummy")
    ap.add_argument("--gpu-memory-utilization", type=float)  # default: 0.75 shared among the arms
    # vLLM's max_cudagraph_capture_size: steps with more tokens run without a CUDA graph
    ap.add_argument("--capture-max", type=int, default=128)
    ap.add_argument("--first", default="off")  # the arm that starts (and compiles) first, or "none"
    # arms: "off" (required), "aa" (off again), "on", and probe-on variants "on-NAME" whose
    # settings --arm-env gives, e.g. --arms on,off,aa,on-nofwd --arm-env on-nofwd:ENABLE_FORWARD_PASS_TIMING=0
    ap.add_argument("--arms", default="on,off,aa")
    ap.add_argument("--arm-env", action="append", default=[])
    ap.add_argument("--together", action="store_true")  # all arms' passes at once (see the docstring)
    # each arm a real `vllm serve` on a port of its own (--port + its index in --arms), driven over HTTP
    ap.add_argument("--serve", action="store_true"); ap.add_argument("--port", type=int, default=8011)
    ap.add_argument("--server-cmd", help=argparse.SUPPRESS)  # test only: "CMD ... {port}" instead of vLLM
    ap.add_argument("--arm-cmd", help=argparse.SUPPRESS)  # test only: a stand-in arm instead of vLLM
    a = ap.parse_args()
    a.arms = a.arms.split(",")
    env = {}
    for spec in a.arm_env:  # NAME:K=V[,K=V...]
        tag, _, pairs = spec.partition(":")
        kvs = [kv.split("=", 1) for kv in pairs.split(",") if kv]
        if not tag or any(len(kv) != 2 for kv in kvs):
            ap.error(f"--arm-env {spec!r}: want NAME:KEY=VALUE[,KEY=VALUE...]")
        env.setdefault(tag, {}).update(kvs)
    a.arm_env = env
    if a.gpu_memory_utilization is None:
        a.gpu_memory_utilization = round(0.75 / len(a.arms), 3)
    if "off" not in a.arms or len(set(a.arms)) != len(a.arms) or a.first not in (*a.arms, "none") \
            or not set(env) <= {t for t in a.arms if probe_on(t)}:
        ap.error("--arms needs 'off', distinct names; --first one of them or none; --arm-env only for probe-on arms")
    if a.arm:
        serve_arm(a) if a.serve else arm(a)
    else:
        sys.exit(drive(a))


if __name__ == "__main__":
    main()
