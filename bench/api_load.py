"""Requests/s and latency (p50/p95/p99) of a text search through `clipdesk serve`, over loopback.

    .venv/bin/python bench/api_load.py                       # 3,000 photos, ViT-B/32 random weights (~2 min)
    .venv/bin/python bench/api_load.py --photos 1000 --seconds 5 --connections 1   # quick

A real catalog of synthetic CLIP-like photo vectors (bench/search.py's generator) is served by
`clipdesk serve --no-watch` in its own process. Every request is a new query string (the text
LRU cache never helps), so each one runs the text tower, the HNSW search and the page's rows.
Load comes from two clients, side by side:
  - an async httpx loop (always): N connections each sending requests back to back, for a fixed
    time or number of requests; latency per request from the client's clock;
  - `wrk` (Debian package `wrk`, if installed): the same, from a C load generator with a Lua
    script that makes each query unique and prints p50/p95/p99.
It also times Engine.search in-process on the same catalog (no HTTP) to show what HTTP adds.
Loopback only. Writes bench/out/api_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import httpx
from search import Synth, fill_catalog

QUERIES = ["a dog on a beach", "birthday cake with candles", "snowy mountain at dawn", "kids playing football"]

WRK_SCRIPT = """
-- Each wrk thread runs its own copy of this script: offset its counter so no query repeats.
threads = 0
setup = function(thread)
  thread:set("first", tonumber(os.getenv("QUERY_BASE")) + threads * 100000)
  threads = threads + 1
end
init = function(args)
  counter = first or 0
end
queries = {"a%20dog%20on%20a%20beach", "birthday%20cake", "snowy%20mountain", "kids%20playing%20football"}
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CLIPDESK_TOKEN")
request = function()
  counter = counter + 1
  return wrk.format("GET", "/search?limit=20&q=" .. queries[(counter % 4) + 1] .. "%20" .. counter)
end
done = function(summary, latency, requests)
  io.write(string.format("WRKJSON {\\"requests\\": %d, \\"seconds\\": %f, \\"non2xx\\": %d, \\"errors\\": %d, "
    .. "\\"p50_ms\\": %f, \\"p95_ms\\": %f, \\"p99_ms\\": %f, \\"mean_ms\\": %f}\\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000))
end
"""


def query(i: int) -> str:
    return f"{QUERIES[i % len(QUERIES)]} {i}"  # unique: never served from the text cache


def summarize(latencies_s: list[float], seconds: float, errors: int) -> dict:
    ms = [x * 1000 for x in latencies_s]
    return {
        "requests": len(ms),
        "seconds": round(seconds, 2),
        "requests_per_s": round(len(ms) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(c.pct(ms, 50), 1),
        "p95_ms": round(c.pct(ms, 95), 1),
        "p99_ms": round(c.pct(ms, 99), 1),
        "errors": errors,
    }


async def httpx_load(url: str, token: str, connections: int, seconds: float, max_requests: int, start: int) -> dict:
    latencies: list[float] = []
    errors = 0
    counter = start
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as client:

        async def worker() -> None:
            nonlocal counter, errors
            while time.perf_counter() < deadline and len(latencies) + errors < max_requests:
                counter += 1
                t0 = time.perf_counter()
                response = await client.get("/search", params={"q": query(counter), "limit": 20})
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - t0
    return summarize(latencies, elapsed, errors)


def wrk_load(url: str, token: str, connections: int, seconds: float, folder: Path, start: int) -> dict | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    script = folder / "search.lua"
    script.write_text(WRK_SCRIPT)
    threads = min(connections, 2)
    duration = f"-d{max(1, round(seconds))}s"
    proc = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", duration, "--timeout", "30s", "-s", str(script), url],
        capture_output=True,
        text=True,
        env={**os.environ, "CLIPDESK_TOKEN": token, "QUERY_BASE": str(start)},  # queries no earlier run sent
        timeout=seconds + 120,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        return {"error": (proc.stdout + proc.stderr)[-500:]}
    raw = json.loads(line[8:])
    return {
        "requests": raw["requests"],
        "seconds": round(raw["seconds"], 2),
        "requests_per_s": round(raw["requests"] / raw["seconds"], 1),
        "p50_ms": round(raw["p50_ms"], 1),
        "p95_ms": round(raw["p95_ms"], 1),
        "p99_ms": round(raw["p99_ms"], 1),
        "errors": raw["non2xx"] + raw["errors"],
    }


def in_process(data: Path, model: str, n: int) -> dict:
    """Engine.search on the same catalog, no HTTP: the floor under the server's latency."""
    from clipdesk.engine import Engine
    from clipdesk.search import SearchRequest

    engine = Engine(data, model)
    engine.store.read_only = True  # leave the catalog as the server will find it
    try:
        engine.load_model()
        engine.search(SearchRequest(text="warm up"))
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            engine.search(SearchRequest(text=query(10_000_000 + i), limit=20))
            times.append(time.perf_counter() - t0)
    finally:
        engine.close()
    return summarize(times, sum(times), 0)


def start_server(data: Path, model: str) -> tuple[subprocess.Popen, str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "clipdesk", "--data-dir", str(data), "--model", model]
    token = subprocess.run([*command, "serve", "--show-token"], capture_output=True, text=True, check=True, env=env)
    server = subprocess.Popen(
        [*command, "serve", "--port", "0", "--no-watch"], stdout=subprocess.PIPE, text=True, env=env, cwd=c.REPO
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if " at http://127.0.0.1:" not in line:
        server.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    url = line.split(" at ")[1].split()[0]
    secret = token.stdout.strip()
    deadline = time.monotonic() + 300
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {secret}"}, timeout=60) as client:
        while client.get("/status").json()["model_state"] != "loaded":  # model and index loaded
            if time.monotonic() > deadline:
                raise SystemExit("the server's model did not load")
            time.sleep(0.5)
        client.get("/search", params={"q": "warm up"})
    return server, url, secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=3000, help="synthetic photos in the catalog")
    parser.add_argument("--seconds", type=float, default=10, help="load time per client and concurrency")
    parser.add_argument("--max-requests", type=int, default=5000, help="cap per httpx run")
    parser.add_argument("--connections", default="1,4", help="concurrent connections to try, comma-separated")
    parser.add_argument("--in-process", type=int, default=50, help="Engine.search calls timed without HTTP (0: skip)")
    args = parser.parse_args()

    machine = c.machine()
    print(f"CPU: {machine['cpu']}, {machine['cores']} cores, flags: {' '.join(machine['isa']) or 'none of note'}")
    model = str(c.model_folder())  # the full-size ViT-B/32 (random weights): 512-d, as the synthetic vectors
    data = Path(tempfile.mkdtemp(prefix="clipdesk-api-load-"))
    out: dict = {"machine": machine, "photos": args.photos, "model": "ViT-B/32 (random weights)", "runs": []}
    server = None
    try:
        from clipdesk import config

        out["catalog_fill_s"] = round(fill_catalog(data, config.normalize_model_id(model), args.photos, Synth()), 2)
        if args.in_process:
            out["in_process"] = in_process(data, model, args.in_process)
            print(f"in-process Engine.search: {out['in_process']}")
        server, url, token = start_server(data, model)
        start = 0
        for connections in [int(x) for x in args.connections.split(",")]:
            result = asyncio.run(httpx_load(url, token, connections, args.seconds, args.max_requests, start))
            out["runs"].append({"client": "httpx-async", "connections": connections, **result})
            print(f"httpx, {connections} connections: {result}", flush=True)
            wrk = wrk_load(url, token, connections, args.seconds, data, start + 500_000)
            start += 1_000_000  # every run's queries are new to the server's text cache
            if wrk is not None:
                out["runs"].append({"client": "wrk", "connections": connections, **wrk})
                print(f"wrk,   {connections} connections: {wrk}", flush=True)
        if shutil.which("wrk") is None:
            print("wrk not installed (apt-get install wrk): httpx numbers only")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            out["server_exit_code"] = server.returncode
        shutil.rmtree(data, ignore_errors=True)
    print(
        c.table(
            [
                [
                    r["client"],
                    r["connections"],
                    r["requests"],
                    r["requests_per_s"],
                    r["p50_ms"],
                    r["p95_ms"],
                    r["p99_ms"],
                    r["errors"],
                ]
                for r in out["runs"]
            ],
            ["client", "connections", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"],
        )
    )
    print(f"wrote {c.write_json('api_load', out)}")


if __name__ == "__main__":
    main()
