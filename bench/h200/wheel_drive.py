"""Waits for a vLLM OpenAI server, then sends N completions, 16 at a time (stdlib only).

python3 wheel_drive.py --port 8051 --requests 200   (bench/h200/wheel_run.sh serve runs it)
"""
import argparse
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def up(port, limit):
    t0 = time.time()
    while time.time() - t0 < limit:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/health" % port, timeout=5) as r:
                if r.status == 200:
                    return time.time() - t0
        except Exception:
            pass
        time.sleep(2)
    return None


def one(port, i):
    body = {"model": "m", "prompt": "request %d: " % i + "tell me a story " * (4 + i % 40),
            "max_tokens": 16 + (i * 7) % 96, "temperature": 0, "ignore_eos": True}
    req = urllib.request.Request("http://127.0.0.1:%d/v1/completions" % port, json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)["usage"]["completion_tokens"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8051)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--startup-s", type=int, default=300)
    a = ap.parse_args()
    s = up(a.port, a.startup_s)
    if s is None:
        print("server not up after %d s" % a.startup_s)
        return 1
    print("server up after %.0f s" % s)
    t0 = time.time()
    with ThreadPoolExecutor(16) as pool:
        tokens = list(pool.map(lambda i: one(a.port, i), range(a.requests)))
    print("%d requests, %d tokens in %.1f s" % (len(tokens), sum(tokens), time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
