"""Library view reads at scale: a browse page at growing offsets and the month timeline.

Fills a real catalog (the current schema, through `Catalog`) with N synthetic indexed rows,
each with a 2 KiB embedding blob as real rows have, so a plan that touched the table would
show; then times `Searcher.browse` and `Searcher.timeline` through the real catalog and
prints each query's plan. Run: .venv/bin/python bench/browse.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _common import machine, write_json  # sets up sys.path for clipdesk

from clipdesk.catalog import Catalog, Filters
from clipdesk.catalog.browse import page_query
from clipdesk.search import BrowseRequest, Searcher

FORMATS = ("JPEG", "HEIF", "PNG", "WEBP")


def fill(path: Path, rows: int) -> float:
    """N rows in one INSERT ... SELECT: ~2% no date, 5% offline, 1% not indexed."""
    catalog = Catalog(path)
    root = catalog.add_root("/photos")
    t0 = time.perf_counter()
    with catalog.transaction() as conn:
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO images(root_id, path, size, mtime_ns, content_key, width, height, taken_at, format, "
            "status, embedding, model_id, offline, vec_seq, indexed_at) "
            "SELECT ?, printf('/photos/%04d/IMG_%07d.jpg', i / 1000, i), 3000000, i, printf('%032x', i), 4000, "
            "3000, CASE WHEN i % 50 = 0 THEN NULL ELSE 946684800 + abs(random()) % 838000000 END, "
            "CASE i % 4 WHEN 0 THEN 'JPEG' WHEN 1 THEN 'HEIF' WHEN 2 THEN 'PNG' ELSE 'WEBP' END, "
            "CASE WHEN i % 100 = 7 THEN 'pending' ELSE 'indexed' END, zeroblob(2048), 'bench', "
            "i % 20 = 3, 1, 0 FROM n",
            (rows, root.id),
        )
    seconds = time.perf_counter() - t0
    catalog.close()
    return seconds


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="clipdesk-browse-") as tmp:
        db = Path(tmp) / "catalog.sqlite3"
        fill_s = fill(db, args.rows)
        catalog = Catalog(db)
        searcher = Searcher(catalog, None, None)  # type: ignore[arg-type]  # browse needs neither
        print(f"{args.rows:,} rows filled in {fill_s:.1f} s; catalog {db.stat().st_size / 2**30:.2f} GiB")
        sql, params = page_query(Filters(formats=("PNG",)), offset=0, limit=200)
        plan = catalog.query(f"EXPLAIN QUERY PLAN {sql}", params)
        print("browse plan:", "; ".join(r[3] for r in plan))
        results: dict[str, float] = {}
        cases = {
            "no filter": Filters(),
            "format PNG": Filters(formats=("PNG",)),
            "online only": Filters(include_offline=False),
            "one folder (1000 photos)": Filters(folders=("/photos/0050",)),
            "date range (1 year)": Filters(date_from=1.5e9, date_to=1.5e9 + 365 * 86400),
        }
        total = sum(b.count for b in searcher.timeline(Filters()))
        for name, filters in cases.items():
            ms, buckets = timed(lambda f=filters: searcher.timeline(f), args.repeat)
            results[f"timeline, {name}"] = ms
            print(f"timeline, {name:26s} {ms:8.1f} ms  ({len(buckets)} buckets)")  # type: ignore[arg-type]
        for offset in (0, total // 2, int(total * 0.9)):
            ms, _ = timed(lambda o=offset: searcher.browse(BrowseRequest(offset=o, limit=200)), args.repeat)
            results[f"browse page of 200 at offset {offset}"] = ms
            print(f"browse page of 200 at offset {offset:>9,}     {ms:8.1f} ms")
        for name, filters in list(cases.items())[1:]:
            ms, _ = timed(lambda f=filters: searcher.browse(BrowseRequest(filters=f, offset=0)), args.repeat)
            results[f"browse first page, {name}"] = ms
            print(f"browse first page, {name:26s} {ms:8.1f} ms")
        catalog.close()
    write_json("browse", {"machine": machine(), "rows": args.rows, "fill_s": fill_s, "ms": results})


if __name__ == "__main__":
    main()
