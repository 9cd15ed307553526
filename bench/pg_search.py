"""The shared library (PostgreSQL + pgvector) beside the local one (SQLite + hnswlib), on the same vectors.

    .venv/bin/python bench/pg_search.py --sizes 100000             # embedded server, ~5 min
    .venv/bin/python bench/pg_search.py --sizes 1000000 --sqlite-kept /work/bench1m/1000000
    .venv/bin/python bench/pg_search.py --library postgresql://me@nas/bench   # your own server (an empty db)
    (bench/search.py --library URL ... calls this script)

The vectors are bench/search.py's synthetic CLIP-like ones, made from the same seeds, so photo i has the same
vector in both libraries (and in a catalog kept by `bench/search.py --keep`). For each size, each library in its
own process (so memory is that library's alone):
  - PostgreSQL: the vectors COPYed into a `halfvec(512)` table (what the shared library stores), then the HNSW
    index built (timed; `maintenance_work_mem` holds the graph, one parallel worker beside the leader: 2 cores).
    Queries: a text query end to end (the full-size ViT-B/32 text tower, random weights, encodes on the
    desktop, then one SQL statement returns the first page's rows), a query by a library photo (its stored
    vector read by the server in the same statement), recall@10 against exact search over an ef_search sweep,
    and binary quantization with re-ranking (`binary_quantize`, exact Hamming scan, top candidates re-ranked
    by cosine). Memory: the server's processes (PSS, so shared buffers count once) and the desktop client.
  - SQLite + hnswlib: the real Engine on a catalog filled the same way (bench/search.py's fill_catalog, or a kept
    one), its index built from the catalog (or loaded when kept), the same queries through Engine.search.
Results: bench/out/pg-search.json and a table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import numpy as np
from search import DIM, Synth, exact_top

REPO = Path(__file__).resolve().parents[1]
CHUNK = 20_000  # bench/search.py's fill_catalog chunk: the seeds follow it

# A server for one user's big batch job on a 24 GB, 2-core machine: the graph is built in memory.
BENCH_SETTINGS = {
    "shared_buffers": "3GB",
    "maintenance_work_mem": "6GB",
    "max_parallel_maintenance_workers": "1",
    "max_parallel_workers": "2",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "work_mem": "64MB",
    "max_connections": "20",
    "log_min_messages": "warning",
}


def vectors(n: int):
    """(start, chunk of vectors) exactly as bench/search.py's fill_catalog makes them."""
    synth = Synth()
    for start in range(0, n, CHUNK):
        yield start, synth.images(min(CHUNK, n - start), seed=1000 + start // CHUNK)


def queries(count: int) -> tuple[np.ndarray, np.ndarray]:
    synth = Synth()
    return synth.texts(count, seed=99), synth.images(count, seed=98)


def exact_answers(n: int, text_q: np.ndarray, image_q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-100 photo ids (1-based, as both libraries number them) of both query sets."""
    matrix = np.empty((n, DIM), dtype=np.float32)
    for start, vecs in vectors(n):
        matrix[start : start + len(vecs)] = vecs
    ids = np.arange(1, n + 1, dtype=np.int64)
    return exact_top(matrix, ids, text_q, 100), exact_top(matrix, ids, image_q, 100)


def recall_at(found: list[list[int]], truth: np.ndarray, k: int) -> float:
    return sum(len(set(f[:k]) & set(t[:k].tolist())) for f, t in zip(found, truth, strict=True)) / (k * len(found))


def lat(values: list[float]) -> dict:
    return {"p50_ms": round(c.pct(values, 50), 2), "p95_ms": round(c.pct(values, 95), 2)}


WORDS = [
    "beach",
    "dog",
    "mountain",
    "sunset",
    "birthday",
    "snow",
    "city",
    "forest",
    "cat",
    "car",
    "wedding",
    "boat",
    "flowers",
    "kids",
    "night",
    "river",
]


def text_queries(count: int, salt: str) -> list[str]:
    # 6 characters: the random model's tokenizer has one token per character, ~CLIP's 8 tokens of a short query
    return [f"{WORDS[i % len(WORDS)][:3]}{i:03d}{salt}"[:6] for i in range(count)]


# -- PostgreSQL ------------------------------------------------------------------------------------------


def pg_side(n: int, url: str | None, args) -> dict:
    import psutil
    import psycopg
    from pgvector import HalfVector
    from pgvector.psycopg import register_vector

    server = None
    if url is None:
        sys.path.insert(0, str(REPO / "tests"))
        from pg_server import PgServer

        base = Path(tempfile.mkdtemp(prefix=f"clipdesk-pgbench-{n}-", dir=args.tmp))
        server = PgServer(base, settings=BENCH_SETTINGS)
        server.start()
        url = server.new_database()
    out: dict = {"n": n}
    try:
        conn = psycopg.connect(url, autocommit=True)
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        out["pgvector"] = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
        out["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
        conn.execute("DROP TABLE IF EXISTS bench_photos")
        conn.execute(
            "CREATE TABLE bench_photos (id bigint PRIMARY KEY, path text NOT NULL, taken double precision, "
            f"embedding halfvec({DIM}) NOT NULL"
            # binary quantization's 64 bytes a photo, kept beside the halfvec (made at load, before the index)
            + (
                f", bits bit({DIM}) GENERATED ALWAYS AS (binary_quantize(embedding)::bit({DIM})) STORED"
                if args.binary
                else ""
            )
            + ")"
        )
        t0 = time.perf_counter()
        copy_sql = "COPY bench_photos (id, path, taken, embedding) FROM STDIN (FORMAT BINARY)"
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            copy.set_types(["int8", "text", "float8", "halfvec"])
            for start, vecs in vectors(n):
                for i, vec in enumerate(vecs):
                    j = start + i
                    copy.write_row((j + 1, f"/photos/{j // 1000:04d}/IMG_{j:07d}.jpg", 1.6e9 + j, HalfVector(vec)))
        out["load_s"] = time.perf_counter() - t0
        conn.execute("VACUUM ANALYZE bench_photos")
        print(f"  pg {n:,}: loaded in {out['load_s']:.0f} s; building HNSW...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        conn.execute(
            f"CREATE INDEX bench_photos_hnsw ON bench_photos USING hnsw (embedding halfvec_{args.ops}_ops) "
            f"WITH (m = {args.m}, ef_construction = {args.ef_construction})"
        )
        out["build_s"] = time.perf_counter() - t0
        out["index_mb"] = conn.execute("SELECT pg_relation_size('bench_photos_hnsw')").fetchone()[0] / 2**20
        out["table_mb"] = conn.execute("SELECT pg_table_size('bench_photos')").fetchone()[0] / 2**20
        out["index_params"] = {"m": args.m, "ef_construction": args.ef_construction, "ops": args.ops}
        print(f"  pg {n:,}: HNSW built in {out['build_s']:.0f} s", file=sys.stderr, flush=True)
        conn.execute("SELECT pg_prewarm('bench_photos_hnsw')") if _has_prewarm(conn) else None

        op = "<#>" if args.ops == "ip" else "<=>"  # unit vectors: the same order; ip is what clipdesk uses

        def knn(vec: np.ndarray, k: int, ef: int) -> list[int]:
            conn.execute(f"SET hnsw.ef_search = {ef}")
            rows = conn.execute(
                f"SELECT id FROM bench_photos ORDER BY embedding {op} %s LIMIT %s", (HalfVector(vec), k)
            ).fetchall()
            return [r[0] for r in rows]

        # -- recall against exact search, over ef_search (pgvector allows up to 1000) ------------------------
        text_q, image_q = queries(args.recall_queries)
        exact_text, exact_image = exact_answers(n, text_q, image_q)
        sweep = []
        for ef in args.ef:
            t0 = time.perf_counter()
            found_t = [knn(q, 10, ef) for q in text_q]
            ms_t = (time.perf_counter() - t0) * 1000 / len(text_q)
            t0 = time.perf_counter()
            found_i = [knn(q, 10, ef) for q in image_q]
            ms_i = (time.perf_counter() - t0) * 1000 / len(image_q)
            row = {
                "ef": ef,
                "recall10_text": recall_at(found_t, exact_text, 10),
                "recall10_image": recall_at(found_i, exact_image, 10),
                "ms_mean_text": ms_t,
                "ms_mean_image": ms_i,
            }
            sweep.append(row)
            print(
                f"    pg ef {ef:4d}: recall@10 text-like {row['recall10_text']:.3f} ({ms_t:.1f} ms), "
                f"image-like {row['recall10_image']:.3f} ({ms_i:.1f} ms)",
                file=sys.stderr,
                flush=True,
            )
        out["ef_sweep"] = sweep
        if args.wide:  # past pgvector's ef_search limit: an iterative scan returns `wide` candidates, best 10 kept
            conn.execute("SET hnsw.iterative_scan = relaxed_order")
            for wide in args.wide:
                wide_sql = (
                    f"SELECT id FROM (SELECT id, embedding {op} %s AS d FROM bench_photos ORDER BY d LIMIT %s) c "
                    "ORDER BY d LIMIT 10"
                )
                conn.execute("SET hnsw.ef_search = 1000")
                res = {}
                for kind, qs, truth in (("text", text_q, exact_text), ("image", image_q, exact_image)):
                    t0 = time.perf_counter()
                    found = [[r[0] for r in conn.execute(wide_sql, (HalfVector(q), wide)).fetchall()] for q in qs]
                    res[f"recall10_{kind}"] = recall_at(found, truth, 10)
                    res[f"ms_mean_{kind}"] = (time.perf_counter() - t0) * 1000 / len(qs)
                out.setdefault("wide", {})[str(wide)] = res
                print(f"    pg iterative walk to {wide} candidates: {res}", file=sys.stderr, flush=True)
            conn.execute("SET hnsw.iterative_scan = off")
        if args.binary:
            out["binary"] = pg_binary(conn, text_q, image_q, exact_text, exact_image, args)

        # -- latency of what the desktop does: encode the text, one statement for the first page ------------
        ef = args.pg_ef
        conn.execute(f"SET hnsw.ef_search = {ef}")
        from clipdesk.encoder.clip import ClipEncoder

        encoder = ClipEncoder(str(c.model_folder()), device="cpu")
        encoder.load()
        page_sql = f"SELECT id, path, taken FROM bench_photos ORDER BY embedding {op} %s LIMIT 50"
        by_id_sql = (
            "SELECT id, path, taken FROM bench_photos "
            f"ORDER BY embedding {op} (SELECT embedding FROM bench_photos WHERE id = %s) LIMIT 50"
        )
        for q in text_queries(5, "w"):
            conn.execute(page_sql, (HalfVector(encoder.encode_texts([q])[0]),)).fetchall()
        text_ms, image_ms = [], []
        rng = np.random.default_rng(7)
        for q in text_queries(args.queries, "t"):
            t0 = time.perf_counter()
            vec = encoder.encode_texts([q])[0]
            rows = conn.execute(page_sql, (HalfVector(vec),)).fetchall()
            text_ms.append((time.perf_counter() - t0) * 1000)
            assert len(rows) == 50
            photo = int(rng.integers(1, n + 1))
            t0 = time.perf_counter()
            rows = conn.execute(by_id_sql, (photo,)).fetchall()
            image_ms.append((time.perf_counter() - t0) * 1000)
        out["search_ef"] = ef
        out["text_query"] = lat(text_ms)
        out["image_query_id"] = lat(image_ms)
        out["client_rss_mb"] = c.rss_mb()
        if server is not None:
            procs = [psutil.Process(p) for p in server.server_pids()]
            out["server_rss_mb"] = sum(p.memory_info().rss for p in procs) / 2**20
            out["server_pss_mb"] = sum(p.memory_full_info().pss for p in procs) / 2**20
        conn.close()
    finally:
        if server is not None:
            server.close()
    return out


def _has_prewarm(conn) -> bool:
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        return True
    except Exception:
        return False


def pg_binary(conn, text_q, image_q, exact_text, exact_image, args) -> dict:
    """Binary quantization: 512 bits a photo scanned exactly (Hamming), the best candidates re-ranked by cosine."""
    from pgvector import HalfVector

    out: dict = {}
    conn.execute("SET max_parallel_workers_per_gather = 1")
    for candidates in args.binary_candidates:
        sql = (
            "SELECT id FROM (SELECT id, embedding FROM bench_photos "
            f"ORDER BY bits <~> binary_quantize(%s::halfvec)::bit({DIM}) "
            "LIMIT %s) c ORDER BY embedding <=> %s::halfvec LIMIT 10"
        )
        res = {}
        for kind, qs, truth in (("text", text_q, exact_text), ("image", image_q, exact_image)):
            found, ms = [], []
            for q in qs[: args.binary_queries]:
                t0 = time.perf_counter()
                rows = conn.execute(sql, (HalfVector(q), candidates, HalfVector(q))).fetchall()
                ms.append((time.perf_counter() - t0) * 1000)
                found.append([r[0] for r in rows])
            res[f"recall10_{kind}"] = recall_at(found, truth[: len(found)], 10)
            res[f"{kind}_ms"] = lat(ms)
        out[str(candidates)] = res
        print(f"    pg binary scan + re-rank of {candidates}: {res}", file=sys.stderr, flush=True)
    return out


# -- SQLite + hnswlib ------------------------------------------------------------------------------------


def sqlite_side(n: int, args) -> dict:
    from search import fill_catalog

    from clipdesk.engine import Engine
    from clipdesk.search import SearchRequest

    model_dir = c.model_folder()
    out: dict = {"n": n}
    if args.sqlite_kept:
        data = Path(args.sqlite_kept)
        out.update(json.loads((data / "bench-built.json").read_text()))
        out["reused"] = str(data)
    else:
        data = Path(tempfile.mkdtemp(prefix=f"clipdesk-sqlbench-{n}-", dir=args.tmp))
        engine = Engine(data, str(model_dir))
        engine.catalog.close()
        out["load_s"] = fill_catalog(data, engine.model_id, n, Synth())
    engine = Engine(data, str(model_dir))
    t0 = time.perf_counter()
    engine.load_model()  # builds the index from the catalog, or loads the kept one
    seconds = time.perf_counter() - t0
    out["build_s" if not args.sqlite_kept else "launch_load_s"] = seconds
    index = engine.store.index
    for q in text_queries(5, "w"):
        engine.search(SearchRequest(text=q, limit=50, query_languages="english"))
    text_ms, image_ms = [], []
    rng = np.random.default_rng(7)
    ids = engine.catalog.live_vector_ids(engine.model_id)
    for q in text_queries(args.queries, "t"):
        t0 = time.perf_counter()
        engine.search(SearchRequest(text=q, limit=50, query_languages="english"))
        text_ms.append((time.perf_counter() - t0) * 1000)
        photo = int(ids[int(rng.integers(0, len(ids)))])
        t0 = time.perf_counter()
        engine.search(SearchRequest(image=photo, limit=50))
        image_ms.append((time.perf_counter() - t0) * 1000)
    out["text_query"] = lat(text_ms)
    out["image_query_id"] = lat(image_ms)
    out["client_rss_mb"] = c.rss_mb()
    text_q, image_q = queries(args.recall_queries)
    exact_text, exact_image = exact_answers(n, text_q, image_q)
    p = index.params
    out["index_params"] = {"M": p.M, "ef_construction": p.ef_construction, "ef_search": p.ef_search,
                           "ef_search_text": p.ef_search_text}  # fmt: skip
    out["recall10_text"] = recall_at([index.search(q, 10, ef=p.ef_search_text)[0].tolist() for q in text_q],
                                     exact_text, 10)  # fmt: skip
    out["recall10_image"] = recall_at([index.search(q, 10, ef=p.ef_search)[0].tolist() for q in image_q],
                                      exact_image, 10)  # fmt: skip
    engine.close()
    if not args.sqlite_kept:
        shutil.rmtree(data, ignore_errors=True)
    return out


# -- driver ----------------------------------------------------------------------------------------------


def child(kind: str, n: int, argv: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--child", f"{kind}:{n}", *argv]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)  # progress on stderr, as it comes
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        print(proc.stdout[-3000:])
        raise SystemExit(f"the {kind} {n} run failed")
    return json.loads(line[7:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--library", default=None, help="a PostgreSQL URL (default: an embedded server in --tmp)")
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--recall-queries", type=int, default=300)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ops", choices=("ip", "cosine"), default="ip", help="ip: as clipdesk's shared library")
    ap.add_argument("--ef-construction", type=int, default=200, help="200: as clipdesk's hnswlib index")
    ap.add_argument("--ef", type=lambda s: [int(x) for x in s.split(",")], default=[40, 100, 200, 400, 1000])
    ap.add_argument("--pg-ef", type=int, default=400, help="hnsw.ef_search for the latency runs")
    ap.add_argument("--wide", type=lambda s: [int(x) for x in s.split(",")], default=[], help="e.g. 2000,4000")
    ap.add_argument("--binary", action="store_true", help="also binary quantization + re-ranking")
    ap.add_argument("--binary-candidates", type=lambda s: [int(x) for x in s.split(",")], default=[100, 400, 1000])
    ap.add_argument("--binary-queries", type=int, default=100)
    ap.add_argument("--sqlite-kept", default=None, help="a catalog kept by bench/search.py --keep (its size)")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, n = args.child.split(":")
        result = pg_side(int(n), args.library, args) if kind == "pg" else sqlite_side(int(n), args)
        print("RESULT " + json.dumps(result), flush=True)
        return
    machine = c.machine()
    print(f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, flags {' '.join(machine['isa'])}")
    argv = sys.argv[1:]
    passthrough = [a for i, a in enumerate(argv) if not a.startswith("--sizes") and argv[i - 1 : i] != ["--sizes"]]
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"{n:,} photos: PostgreSQL + pgvector ...", flush=True)
        pg = child("pg", n, passthrough)
        sq = None if args.no_sqlite else child("sqlite", n, passthrough)
        results.append({"n": n, "pg": pg, "sqlite": sq})
        c.write_json("pg-search", {"machine": machine, "results": results, "complete": False})
    print(table(results))
    print(f"\nwritten: {c.write_json('pg-search', {'machine': machine, 'results': results, 'complete': True})}")


def table(results: list[dict]) -> str:
    rows = []
    for r in results:
        pg, sq = r["pg"], r["sqlite"] or {}
        best = max(pg["ef_sweep"], key=lambda s: s["ef"])
        at = next((s for s in pg["ef_sweep"] if s["ef"] == pg["search_ef"]), best)
        rows.append([f"{r['n']:,}", "PostgreSQL + pgvector (halfvec, HNSW)",
                     f"{pg['build_s']:.0f} s (+ {pg['load_s']:.0f} s COPY)",
                     f"{pg['text_query']['p50_ms']} / {pg['text_query']['p95_ms']}",
                     f"{pg['image_query_id']['p50_ms']} / {pg['image_query_id']['p95_ms']}",
                     f"{at['recall10_text']:.3f} / {at['recall10_image']:.3f} (ef {at['ef']})",
                     f"{pg.get('server_pss_mb', float('nan')):.0f} MB", f"{pg['client_rss_mb']:.0f} MB"])  # fmt: skip
        if sq:
            rows.append([f"{r['n']:,}", "SQLite + hnswlib (this computer)",
                         f"{sq['build_s']:.0f} s" + (" (kept catalog)" if sq.get("reused") else ""),
                         f"{sq['text_query']['p50_ms']} / {sq['text_query']['p95_ms']}",
                         f"{sq['image_query_id']['p50_ms']} / {sq['image_query_id']['p95_ms']}",
                         f"{sq['recall10_text']:.3f} / {sq['recall10_image']:.3f}", "-",
                         f"{sq['client_rss_mb']:.0f} MB"])  # fmt: skip
    header = ["photos", "library", "index build", "text query p50/p95 ms", "image query p50/p95 ms",
              "recall@10 text-/image-like", "server memory", "desktop memory"]  # fmt: skip
    return c.table(rows, header)


if __name__ == "__main__":
    main()
