"""Where do a query's "best matches" end? The cutoff methods side by side, on synthetic data where relevance is known.

    .venv/bin/python bench/cutoff.py            # all five splits (~1-2 min on 2 cores)
    .venv/bin/python bench/cutoff.py --quick    # smaller libraries, fewer queries

The data: bench/search.py's `Synth` (normalised 512-d vectors around a shared mean direction,
5,000 clusters of power-law sizes, text queries offset from the photos by a shared "modality"
direction), with three changes that make it harder and more like CLIP's text-photo scores:
clusters are grouped in 250 topics (zebras next to giraffes: near misses that score high but are
not relevant), photos spread wider around their cluster (relevant and near-miss scores overlap),
and each query has its own specificity (noise 0.6-1.6), which moves its whole score level up or
down (as CLIP's scores for "dog" and "a happy moment" differ). A query is relevant to the photos of
its own cluster. Per split: 40 queries each for large (top-50), medium and small (1-4 photo)
clusters, and 30 for clusters with no photos at all ("giraffe" in a library without giraffes).

Each method sees what the app would have: the top 256 scores of the query (exact here; the
ranking is not under test) and the query's scores over a fixed random sample of 1,024 photos.
Parameters (the fixed threshold's too, to give the strawman its best shot) are chosen on the
"calibration" split by mean per-query F1, then applied unchanged to the others: a new library,
a small one (5k), a large one (100k), and the new library's scores under another model's scale
(0.7 s - 0.05: the same ranking, different numbers, as when the CLIP model changes).

Per-query measures, averaged over queries: precision of the best-matches set (queries where it
is not empty), recall against the relevant photos in the top 256, F1 (a no-match query scores 1
when its set is empty, else 0), and how often the set is empty for no-match queries (wanted) and
for queries that have matches (not wanted).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import numpy as np
from search import CLUSTERS, DIM, Synth, _unit

from clipdesk.search import cutoff

TOPICS = 250
TOPIC_WEIGHT, OWN_WEIGHT = 0.6, 0.8  # how close a cluster sits to the other clusters of its topic
PHOTO_SPREAD = 0.9  # photo noise around its cluster centre
QUERY_SPREAD = (0.6, 1.6)  # per-query noise: specific to vague
TOP_K = 256
BACKGROUND = 1024


class ClipLike(Synth):
    """Synth's mean direction, cluster sizes and text offset; clusters grouped in topics, wider photos."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        rng = np.random.default_rng(seed + 7919)
        self.topic = rng.integers(0, TOPICS, CLUSTERS)
        topics = _unit(rng.standard_normal((TOPICS, DIM)).astype(np.float32))
        own = _unit(rng.standard_normal((CLUSTERS, DIM)).astype(np.float32))
        self.centers = _unit(1.4 * self.mean + _unit(TOPIC_WEIGHT * topics[self.topic] + OWN_WEIGHT * own))

    def library(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        which = rng.choice(CLUSTERS, size=n, p=self.p)
        noise = _unit(rng.standard_normal((n, DIM)).astype(np.float32))
        return _unit(self.centers[which] + PHOTO_SPREAD * noise), which

    def query(self, cluster: int, rng: np.random.Generator) -> np.ndarray:
        noise = _unit(rng.standard_normal(DIM).astype(np.float32))
        return _unit(self.centers[cluster] + 1.2 * self.text_offset + rng.uniform(*QUERY_SPREAD) * noise)


def make_split(name: str, seed: int, n: int, per_stratum: int, empty: int) -> dict:
    """Queries with their top scores, relevance of each, relevant count and background sample."""
    synth = ClipLike(seed)
    photos, which = synth.library(n, seed + 1)
    counts = np.bincount(which, minlength=CLUSTERS)
    rng = np.random.default_rng(seed + 2)
    present = np.nonzero(counts)[0]  # clusters are numbered by expected size, largest first
    strata = {
        "large": present[present < 50],
        "medium": present[(present >= 50) & (present < 1000)],
        "small": present[present >= 1000],
        "none": np.nonzero(counts == 0)[0],
    }
    sample = rng.choice(n, size=min(BACKGROUND, n), replace=False)
    queries = []
    for stratum, pool in strata.items():
        want = empty if stratum == "none" else per_stratum
        for cluster in rng.choice(pool, size=want, replace=len(pool) < want):
            scores = photos @ synth.query(int(cluster), rng)
            top = np.argpartition(-scores, TOP_K)[:TOP_K]
            top = top[np.argsort(-scores[top])]
            queries.append(
                {
                    "stratum": stratum,
                    "top": scores[top].astype(np.float64),
                    "relevant": which[top] == cluster,
                    "n_relevant": int(counts[cluster]),
                    "background": scores[sample].astype(np.float64),
                }
            )
    return {"name": name, "library": n, "queries": queries}


def rescaled(split: dict, scale: float, shift: float, name: str) -> dict:
    queries = [
        {**q, "top": scale * q["top"] + shift, "background": scale * q["background"] + shift} for q in split["queries"]
    ]
    return {**split, "name": name, "queries": queries}


Method = Callable[[dict, int, float], int]  # (query, library size, parameter) -> best-match count
FDR_GRID = [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5]
METHODS: dict[str, tuple[Method, list[float]]] = {
    "fixed threshold": (lambda q, n, t: cutoff.fixed_threshold_count(q["top"], t), list(np.arange(0.30, 0.50, 0.005))),
    "top score - delta": (lambda q, n, d: cutoff.top_relative_count(q["top"], d), list(np.arange(0.0, 0.12, 0.0025))),
    "largest gap": (lambda q, n, _: cutoff.largest_gap_count(q["top"]), [0.0]),
    "2-Gaussian mixture": (lambda q, n, _: cutoff.mixture_count(q["top"]), [0.0]),
    "robust z-score": (
        lambda q, n, z: cutoff.zscore_count(q["top"], q["background"], z),
        list(np.arange(2.0, 7.01, 0.1)),
    ),
    "FDR vs background": (lambda q, n, a: cutoff.fdr_count(q["top"], q["background"], n, a), FDR_GRID),
    "FDR, shipped q": (lambda q, n, a: cutoff.fdr_count(q["top"], q["background"], n, a), [cutoff.FDR_LEVEL]),
}
SHIPPED = "FDR, shipped q"
PARAMETERLESS = ("largest gap", "2-Gaussian mixture", "oracle (upper bound)")


def oracle_count(q: dict, n: int, _: float) -> int:
    """The best cut in hindsight (F1 per query): an upper bound, not a method."""
    if q["n_relevant"] == 0:
        return 0
    hits = np.cumsum(q["relevant"])
    ranks = np.arange(1, len(hits) + 1)
    f1 = 2 * hits / (ranks + min(q["n_relevant"], TOP_K))
    return int(np.argmax(f1)) + 1


def measure(split: dict, method: Method, param: float) -> dict:
    precision, recall, f1, empty_none, empty_some, sizes = [], [], [], [], [], []
    for q in split["queries"]:
        count = method(q, split["library"], param)
        hits = int(q["relevant"][:count].sum())
        sizes.append(count)
        if q["n_relevant"] == 0:
            empty_none.append(count == 0)
            f1.append(1.0 if count == 0 else 0.0)
            if count:
                precision.append(0.0)
            continue
        empty_some.append(count == 0)
        r = hits / min(q["n_relevant"], TOP_K)
        recall.append(r)
        if count:
            p = hits / count
            precision.append(p)
            f1.append(2 * p * r / (p + r) if p + r else 0.0)
        else:
            f1.append(0.0)
    mean = lambda v: float(np.mean(v)) if v else float("nan")  # noqa: E731
    return {
        "precision": mean(precision),
        "recall": mean(recall),
        "f1": mean(f1),
        "empty_when_none": mean(empty_none),
        "empty_when_some": mean(empty_some),
        "mean_best": mean(sizes),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="libraries of 5k/20k, 15 queries per stratum")
    args = ap.parse_args()
    per, empty, big = (15, 10, 20_000) if args.quick else (40, 30, 100_000)
    t0 = time.perf_counter()
    calibration = make_split("calibration", 1, 20_000, per, empty)
    held_out = make_split("new library 20k", 2, 20_000, per, empty)
    splits = [
        held_out,
        make_split("small library 5k", 3, 5_000, per, empty),
        make_split(f"large library {big // 1000}k", 4, big, per, empty),
        rescaled(held_out, 0.7, -0.05, "other model's scale"),
    ]
    print(f"data: {time.perf_counter() - t0:.1f} s")

    chosen, sweeps = {}, {}
    for name, (method, grid) in METHODS.items():
        scored = [(measure(calibration, method, p), p) for p in grid]
        sweeps[name] = [{"parameter": float(p), **m} for m, p in scored]
        chosen[name] = max(scored, key=lambda mp: mp[0]["f1"])[1]
    METHODS["oracle (upper bound)"] = (oracle_count, [0.0])
    chosen["oracle (upper bound)"] = 0.0
    results: dict = {}
    for split in [calibration, *splits]:
        rows = []
        for name, (method, _) in METHODS.items():
            m = measure(split, method, chosen[name])
            results.setdefault(split["name"], {})[name] = {"parameter": float(chosen[name]), **m}
            rows.append(
                [name, f"{chosen[name]:.3g}" if name not in PARAMETERLESS else "-"]
                + [f"{m[k]:.2f}" for k in ("precision", "recall", "f1", "empty_when_none", "empty_when_some")]
                + [f"{m['mean_best']:.0f}"]
            )
        print(f"\n{split['name']} ({split['library']:,} photos, {len(split['queries'])} queries)")
        header = ["method", "param", "precision", "recall", "F1", "empty|none", "empty|some", "mean best"]
        print(c.table(rows, header))

    shipped = METHODS[SHIPPED][0]
    by_stratum: dict = {}
    for stratum in ("large", "medium", "small", "none"):
        part = {**held_out, "queries": [q for q in held_out["queries"] if q["stratum"] == stratum]}
        by_stratum[stratum] = measure(part, shipped, cutoff.FDR_LEVEL)
    print(f"\nFDR at the shipped q = {cutoff.FDR_LEVEL}, new library, by cluster size:")
    keys = ("precision", "recall", "f1", "empty_when_none", "empty_when_some", "mean_best")
    print(c.table([[s] + [f"{m[k]:.2f}" for k in keys] for s, m in by_stratum.items()], ["stratum", *keys]))
    print("\nFDR vs background on the calibration split, by q:")
    keys = ("precision", "recall", "f1", "empty_when_none", "empty_when_some")
    fdr_rows = [[f"{m['parameter']:g}"] + [f"{m[k]:.2f}" for k in keys] for m in sweeps["FDR vs background"]]
    print(c.table(fdr_rows, ["q", *keys]))
    path = c.write_json(
        "cutoff",
        {
            "top_k": TOP_K,
            "background_sample": BACKGROUND,
            "chosen_parameters": {k: float(v) for k, v in chosen.items()},
            "calibration_sweeps": sweeps,
            "results": results,
            "shipped": {"method": SHIPPED, "q": cutoff.FDR_LEVEL, "new_library_by_stratum": by_stratum},
        },
    )
    print(f"\nwrote {path} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
