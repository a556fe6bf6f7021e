"""A STAND-IN for vLLM's OpenAI-compatible server that does real GPU work, to check
`profilemate profile` end to end on a GPU machine that has no vLLM (the H200 image).

It is not vLLM and measures nothing about vLLM. It answers /health, streams /v1/completions as
vLLM does (text chunks, a usage chunk, data: [DONE]) and runs a small decoder-shaped step per
token on the GPU: a prefill GEMM inside NVTX range "prefill", then per output token either an
eager step or a CUDA-graph replay of it inside "decode". /start_profile and /stop_profile call
cudaProfilerStart/Stop, as vLLM's --profiler-config '{"profiler":"cuda"}' does, so ncu
--profile-from-start off sees only that window. SIGINT stops it. Like vLLM under the probe it
leaves a probe session in $VLLM_PROFILING_DIR: a copy of the real spools in
$STANDIN_SESSION_FIXTURE (the kernel results, not the session, are what this run checks).
"""
import datetime
import http.server
import json
import os
import shutil
import signal
import sys
import threading

import torch

args = sys.argv[1:]


def arg(name, default=None):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
    return default


host, port = arg("--host", "127.0.0.1"), int(arg("--port", "8000"))
print("torch stand-in vLLM: %s on %s:%d, argv %s" % (torch.cuda.get_device_name(0), host, port, args), flush=True)

H = 4096
dev = torch.device("cuda")
w1 = torch.randn(H, 4 * H, device=dev, dtype=torch.bfloat16) / 64
w2 = torch.randn(4 * H, H, device=dev, dtype=torch.bfloat16) / 128
x = torch.randn(8, H, device=dev, dtype=torch.bfloat16)
lock = threading.Lock()


def step(inp):
    h = torch.nn.functional.silu(inp @ w1)
    out = h @ w2
    return torch.softmax(out.float(), dim=-1).to(torch.bfloat16)


s = torch.cuda.Stream()
s.wait_stream(torch.cuda.current_stream())
with torch.cuda.stream(s):
    for _ in range(3):
        y = step(x)
torch.cuda.current_stream().wait_stream(s)
graph = torch.cuda.CUDAGraph()
with torch.cuda.graph(graph):
    y_static = step(x)
torch.cuda.synchronize()

if os.environ.get("VLLM_ENABLE_PROFILING") != "0" and os.environ.get("STANDIN_SESSION_FIXTURE"):
    base = os.environ.get("VLLM_PROFILING_DIR", "/tmp/vllm_profiling")
    session = os.path.join(base, datetime.datetime.now().strftime("session_%Y%m%d_%H%M%S"))
    shutil.copytree(os.path.join(os.environ["STANDIN_SESSION_FIXTURE"], "raw"), os.path.join(session, "raw"))
    print("stand-in: copied the probe's golden spools to %s" % session, flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *a):
        pass

    def do_GET(self):
        if self.path == "/health":
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_error(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")) or 0)
        if self.path in ("/start_profile", "/stop_profile"):
            (torch.cuda.profiler.start if self.path == "/start_profile" else torch.cuda.profiler.stop)()
            print("stand-in: %s" % self.path, flush=True)
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
        with lock:
            torch.cuda.nvtx.range_push("prefill")
            step(torch.randn(max(prompt_tokens, 1), H, device=dev, dtype=torch.bfloat16))
            torch.cuda.synchronize()
            torch.cuda.nvtx.range_pop()
        for i in range(n):
            with lock:
                torch.cuda.nvtx.range_push("decode")
                if i % 2:
                    graph.replay()
                else:
                    step(x)
                torch.cuda.synchronize()
                torch.cuda.nvtx.range_pop()
            chunk = {"object": "text_completion", "choices": [{"index": 0, "text": " tok", "finish_reason": None}], "usage": None}
            self.wfile.write(("data: %s\n\n" % json.dumps(chunk)).encode())
            self.wfile.flush()
        usage = {"choices": [], "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": n, "total_tokens": prompt_tokens + n}}
        self.wfile.write(("data: %s\n\ndata: [DONE]\n\n" % json.dumps(usage)).encode())
        self.wfile.flush()


server = http.server.ThreadingHTTPServer((host, port), Handler)
signal.signal(signal.SIGINT, lambda *a: (print("torch stand-in: SIGINT received", flush=True),
                                         threading.Thread(target=server.shutdown, daemon=True).start()))
server.serve_forever()
server.server_close()
print("torch stand-in: stopped", flush=True)
