"""Where a query's "best matches" end: an adaptive split of the ranked scores, per query.

CLIP ranks every photo, so "giraffe" in a library without giraffes still fills the grid. A fixed
score threshold fails because the scores of one query sit higher or lower than another's (and
another model's scale differs again). What stays comparable is how far a score stands out from
the query's scores over the *whole library*. So the split needs two cheap inputs: the ranked top
scores the search returned, and the query's scores against a fixed random sample of the library
(~1,000 stored vectors: one small matrix-vector product, microseconds).

The method (`best_match_count`): a false-discovery-rate cut. The sample gives the query's
background: its median and MAD (robust, so a big matching cluster in the sample does not widen
it) describe a normal curve, which says how many of the library's N photos would score at least
s by chance: N * P(background >= s). Walking down the ranking, the photo at rank r is a best match
while that expected count stays below a fraction q of r (the Benjamini-Hochberg step-up rule: the
deepest rank that passes, and all above it). Zero passes means "No close matches: showing the
nearest".

The other methods tried (bench/cutoff.py compares them side by side on synthetic CLIP-like data
with known relevance, and keeps them here so the comparison runs against this code):
  - a fixed threshold: breaks as soon as the query's score level shifts, or the model changes;
  - a threshold relative to the top score, and the largest gap in the ranked scores: both always
    return at least one "best match", so the giraffe query never comes back empty, and a gap
    inside a big cluster cuts it short;
  - a two-Gaussian mixture fitted to the top scores: the top-K list is a truncated tail, so the
    fit splits it somewhere whether or not there is anything to find;
  - a robust z-score threshold against the same background: close to the FDR cut, but its one
    threshold does not grow with the library (the chance maximum of N normal scores does), so it
    lets in more noise in large libraries and is too strict in small ones.

Limits (written down because they are real):
  - The background is modelled as a normal curve. Real per-query backgrounds have a heavier upper
    tail: photos of a *related* subject (zebras for "giraffe") stand out of the background too, and
    count as best matches. The cut finds "clearly above the library", not "exactly the subject".
  - It needs the library to be mostly *not* about the query: if a third of the library matches,
    the median moves up and the cut grows strict. A library that is all beaches searched for
    "beach" gets few best matches; the ranking itself is unaffected.
  - Very vague queries ("nice photo") stand out from nothing; they come back with no best matches,
    which is honest but may surprise.
  - The median and MAD come from a sample: with 1,024 scores, a library of pure noise still shows a
    best match 6.5% of the time (measured over 400 libraries; nominal 5%); smaller samples make the
    cut noisier (below 64 scores it is not tried).
  - A subject with a single photo must stand ~4.5 spreads above the background in a 20k library
    (more in larger ones) to pass: rare subjects asked for vaguely come back "no close matches"
    (in the benchmark: 57% of the queries with 1-4 relevant photos, 33% of those with 5-50, 3% of
    the larger subjects; precision stays 0.82-0.95 in each group).
  - The count is capped by the number of top scores given: a subject with more photos than the
    page fetched reads as "all of these", and the caller may fetch further.
"""

from __future__ import annotations

import math

import numpy as np

# Benjamini-Hochberg level: the expected share of chance photos among the best matches. On the
# calibration split of bench/cutoff.py, F1 is flat from q = 0.05 to 0.3 (0.55-0.59); 0.05 buys precision
# (0.95 vs 0.65) and an honest "no close matches" (97% vs 73% of no-match queries) for recall (0.38 vs 0.61).
FDR_LEVEL = 0.05
MIN_BACKGROUND = 64  # fewer sampled scores than this say too little about the query's spread


def best_match_count(
    top_scores: np.ndarray, background: np.ndarray | None, library_size: int | None = None, q: float = FDR_LEVEL
) -> int:
    """How many of the ranked `top_scores` (best first) are best matches; 0: no close matches.

    `background`: the query's scores over a random sample of the library (or all of a small one).
    `library_size`: photos searched (default: the background is the whole library). Without a usable
    background this falls back to the largest gap in the ranking, which cannot say "none".
    """
    scores = np.sort(np.asarray(top_scores, dtype=np.float64))[::-1]
    if not len(scores):
        return 0
    if background is None or len(background) < MIN_BACKGROUND:
        return largest_gap_count(scores)
    return fdr_count(scores, background, library_size or len(background), q)


def robust_background(background: np.ndarray) -> tuple[float, float]:
    """Median and MAD-based spread: a cluster of matches inside the sample barely moves them."""
    bg = np.asarray(background, dtype=np.float64)
    center = float(np.median(bg))
    spread = 1.4826 * float(np.median(np.abs(bg - center)))
    if spread <= 1e-9:  # a degenerate sample (all equal): fall back to the plain deviation
        spread = max(float(bg.std()), 1e-6)
    return center, spread


def fdr_count(scores: np.ndarray, background: np.ndarray, library_size: int, q: float = FDR_LEVEL) -> int:
    """The deepest rank r where N * P(background >= score_r) <= q * r (Benjamini-Hochberg step-up)."""
    center, spread = robust_background(background)
    z = (np.sort(np.asarray(scores, dtype=np.float64))[::-1] - center) / spread
    tail = 0.5 * np.array([math.erfc(v / math.sqrt(2.0)) for v in z])  # normal survival function
    ranks = np.arange(1, len(z) + 1)
    passing = np.nonzero(library_size * tail <= q * ranks)[0]
    return int(passing[-1]) + 1 if len(passing) else 0


def zscore_count(scores: np.ndarray, background: np.ndarray, z_min: float) -> int:
    center, spread = robust_background(background)
    return int(np.count_nonzero((np.asarray(scores) - center) / spread >= z_min))


def fixed_threshold_count(scores: np.ndarray, threshold: float) -> int:
    return int(np.count_nonzero(np.asarray(scores) >= threshold))


def top_relative_count(scores: np.ndarray, delta: float) -> int:
    scores = np.asarray(scores)
    return int(np.count_nonzero(scores >= scores.max() - delta)) if len(scores) else 0


def largest_gap_count(scores: np.ndarray) -> int:
    """Split at the largest drop between neighbours in the ranking (always at least 1)."""
    ranked = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    if len(ranked) < 2:
        return len(ranked)
    return int(np.argmax(ranked[:-1] - ranked[1:])) + 1


def mixture_count(scores: np.ndarray, iterations: int = 100) -> int:
    """Two Gaussians fitted (EM) to the top scores; those more likely from the upper one."""
    x = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    if len(x) < 4:
        return len(x)
    half = len(x) // 2
    mu = np.array([x[:half].mean(), x[half:].mean()])
    sd = np.full(2, max(float(x.std()), 1e-6))
    weight = np.array([0.5, 0.5])
    for _ in range(iterations):
        density = weight * np.exp(-0.5 * ((x[:, None] - mu) / sd) ** 2) / sd
        resp = density / np.maximum(density.sum(axis=1, keepdims=True), 1e-300)
        mass = resp.sum(axis=0) + 1e-12
        weight = mass / len(x)
        mu = (resp * x[:, None]).sum(axis=0) / mass
        sd = np.sqrt((resp * (x[:, None] - mu) ** 2).sum(axis=0) / mass) + 1e-6
    upper = int(np.argmax(mu))
    density = weight * np.exp(-0.5 * ((x[:, None] - mu) / sd) ** 2) / sd
    return int(np.count_nonzero(density[:, upper] > density[:, 1 - upper]))
