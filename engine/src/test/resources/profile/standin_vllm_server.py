"""A STAND-IN for vLLM's OpenAI-compatible API server, for the engine's profile tests only.

It is not vLLM: it answers GET /health, streams POST /v1/completions as server-sent events the
way vLLM does (text chunks, a usage chunk, data: [DONE]), accepts /start_profile and
/stop_profile, and stops on SIGINT. Like vLLM under the probe, it writes a probe session into
$VLLM_PROFILING_DIR (a copy of the real spools in $STANDIN_SESSION_FIXTURE) unless
VLLM_ENABLE_PROFILING=0. It records its environment and the profiler calls in
$STANDIN_RECORD_DIR. $STANDIN_BEHAVIOUR: serve (default), die, never-healthy, ignore-sigint.
"""
import datetime
import http.server
import json
import os
import shutil
import signal
import sys
import threading
import time

behaviour = os.environ.get("STANDIN_BEHAVIOUR", "serve")
record_dir = os.environ.get("STANDIN_RECORD_DIR", ".")
args = sys.argv[1:]


def arg(name, default=None):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def record(name, text):
    with open(os.path.join(record_dir, name), "a") as f:
        f.write(text + "\n")


host, port = arg("--host", "127.0.0.1"), int(arg("--port", "8000"))
run = "ncu" if os.environ.get("VLLM_ENABLE_PROFILING") == "0" else "main"
keys = ("PYTHONPATH", "VLLM_PROFILING_DIR", "PROFILEMATE_SIDECAR", "VLLM_ENABLE_PROFILING", "ENABLE_MOE_EXPERT_TRACKING")
with open(os.path.join(record_dir, "env_%s.json" % run), "w") as f:
    json.dump({"pid": os.getpid(), "argv": args, "env": {k: os.environ.get(k) for k in keys}}, f)
print("stand-in vLLM: model %s on %s:%d (%s)" % (arg("--model"), host, port, behaviour), flush=True)

if behaviour == "die":
    print("RuntimeError: CUDA out of memory (stand-in)", flush=True)
    sys.exit(3)

if run == "main" and os.environ.get("STANDIN_SESSION_FIXTURE"):
    base = os.environ.get("VLLM_PROFILING_DIR", "/tmp/vllm_profiling")
    session = os.path.join(base, datetime.datetime.now().strftime("session_%Y%m%d_%H%M%S"))
    shutil.copytree(os.path.join(os.environ["STANDIN_SESSION_FIXTURE"], "raw"), os.path.join(session, "raw"))
    print("[sitecustomize] vLLM Comprehensive Instrumentation Loaded (stand-in; session: %s)" % session, flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *a):
        pass

    def do_GET(self):
        if self.path == "/health" and behaviour != "never-healthy":
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_error(404 if self.path != "/health" else 503)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")) or 0)
        if self.path in ("/start_profile", "/stop_profile"):
            record("profiler_calls.txt", self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path != "/v1/completions":
            self.send_error(404)
            return
        req = json.loads(body)
        n = int(req.get("max_tokens", 1))
        prompt = req.get("prompt")
        prompt_tokens = len(prompt) if isinstance(prompt, list) else len(str(prompt).split())
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        time.sleep(0.02)
        for _ in range(n):
            chunk = {"object": "text_completion", "choices": [{"index": 0, "text": " tok", "finish_reason": None}], "usage": None}
            self.wfile.write(("data: %s\n\n" % json.dumps(chunk)).encode())
            self.wfile.flush()
            time.sleep(0.005)
        usage = {"choices": [], "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": n, "total_tokens": prompt_tokens + n}}
        self.wfile.write(("data: %s\n\ndata: [DONE]\n\n" % json.dumps(usage)).encode())
        self.wfile.flush()


server = http.server.ThreadingHTTPServer((host, port), Handler)


def on_sigint(signum, frame):
    print("stand-in vLLM: SIGINT received, shutting down", flush=True)
    threading.Thread(target=server.shutdown, daemon=True).start()


if behaviour == "ignore-sigint":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
else:
    signal.signal(signal.SIGINT, on_sigint)
server.serve_forever()
server.server_close()
print("stand-in vLLM: stopped", flush=True)
