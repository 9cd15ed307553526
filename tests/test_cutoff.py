"""Where best matches end: behaviour of the adaptive cutoff on score lists whose truth is known."""

from __future__ import annotations

import math

import numpy as np

from clipdesk.search.cutoff import (
    FDR_LEVEL,
    best_match_count,
    fixed_threshold_count,
    largest_gap_count,
    zscore_count,
)

TOP_K = 256
SAMPLE = 1024


def search_like(library: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """What the searcher would hand over: the ranked top scores and a random sample's scores."""
    rng = np.random.default_rng(seed)
    top = np.sort(library)[::-1][:TOP_K]
    return top, rng.choice(library, size=min(SAMPLE, len(library)), replace=False)


def noise(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.20, 0.03, n)  # a CLIP-like background: cos ~0.2 +- 0.03


def test_a_clear_cluster_splits_at_its_edge() -> None:
    cluster = np.random.default_rng(1).normal(0.45, 0.01, 30)  # 30 photos of the subject, far above the rest
    top, background = search_like(np.concatenate([noise(20_000, 2), cluster]))
    count = best_match_count(top, background, library_size=20_030)
    # The cut is the cluster's edge, give or take the few chance photos a 5% FDR allows.
    assert 30 <= count <= 30 + math.ceil(FDR_LEVEL * 30)
    assert top[count - 1] >= cluster.min() - 0.2 and top[29] == cluster.min()


def test_no_subject_in_the_library_means_no_best_matches() -> None:
    # Pure noise: the "giraffe" query. Normal noise passes by chance about q of the time (the sample's
    # median and spread are estimates: 6.5% measured over 400 libraries); uniform noise, with lighter tails, never.
    libraries = 200
    passes = sum(best_match_count(*search_like(noise(20_000, s), s), library_size=20_000) > 0 for s in range(libraries))
    assert passes <= 2 * FDR_LEVEL * libraries
    for seed in range(10):
        uniform = np.random.default_rng(seed).uniform(0.1, 0.3, 20_000)
        assert best_match_count(*search_like(uniform, seed), library_size=20_000) == 0


def test_a_shifted_or_rescaled_query_gets_the_same_split() -> None:
    library = np.concatenate([noise(10_000, 3), np.random.default_rng(4).normal(0.40, 0.02, 12)])
    top, background = search_like(library)
    count = best_match_count(top, background, library_size=len(library))
    assert count >= 12
    for scale, shift in [(0.5, 0.1), (1.7, -0.3), (1.0, 0.25)]:
        assert best_match_count(scale * top + shift, scale * background + shift, library_size=len(library)) == count
        # ... which a fixed threshold cannot do: the strawman's count moves with the score level.
    assert fixed_threshold_count(top + 0.25, 0.35) != fixed_threshold_count(top, 0.35)


def test_the_bar_rises_with_the_library() -> None:
    # One photo at z = 4.3 stands out among 1,000 photos, not among a million (where ~8 would reach it by chance).
    background = noise(SAMPLE, 5)
    center, spread = float(np.median(background)), 1.4826 * float(np.median(np.abs(background - np.median(background))))
    top = np.concatenate([[center + 4.3 * spread], np.full(50, center + 1.0 * spread)])
    assert best_match_count(top, background, library_size=1_000) == 1
    assert best_match_count(top, background, library_size=1_000_000) == 0
    # A fixed z threshold does not move: the same answer at both sizes is its weakness.
    assert zscore_count(top, background, 4.0) == 1


def test_a_big_subject_inside_the_background_sample_is_still_found() -> None:
    # A fifth of the library is beaches: the median and MAD barely move, so the beach query still splits.
    beaches = np.random.default_rng(6).normal(0.42, 0.02, 4_000)
    library = np.concatenate([noise(16_000, 7), beaches])
    top, background = search_like(library)
    assert best_match_count(top, background, library_size=len(library)) == TOP_K  # all fetched are best


def test_order_and_edge_cases() -> None:
    library = np.concatenate([noise(5_000, 8), np.random.default_rng(9).normal(0.45, 0.01, 8)])
    top, background = search_like(library)
    shuffled = np.random.default_rng(10).permutation(top)
    assert best_match_count(shuffled, background, len(library)) == best_match_count(top, background, len(library))
    assert best_match_count(np.array([]), background) == 0
    flat = np.full(SAMPLE, 0.2)  # a degenerate background: no spread to speak of, and no crash
    assert best_match_count(np.array([0.9, 0.2, 0.2]), flat, 5_000) == 1


def test_without_a_background_the_largest_gap_decides() -> None:
    top = np.array([0.50, 0.49, 0.48, 0.30, 0.29, 0.28])
    assert best_match_count(top, None) == 3
    assert best_match_count(top, np.full(10, 0.2)) == 3  # too small a sample to trust
    # The gap can never say "none": the reason it is only the fallback.
    assert largest_gap_count(noise(TOP_K, 11)) >= 1
