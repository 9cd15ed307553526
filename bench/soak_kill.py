"""Soak test: SIGKILL `clipdesk index` hundreds of times while the library keeps changing.

Each round changes the library (new photos, deletions, renames, edits in place, a folder
renamed now and then), then runs `clipdesk index` in a forked child (torch is imported once
here, so a round costs about a second) that is killed either at an exact point through the
CLIPDESK_TEST_KILL_AT hook (inside the reconcile transaction, after a batch is encoded, inside
its commit, after it, at each step of an index save) or at a random moment. After every round:

  - SQLite passes `PRAGMA integrity_check`;
  - the index pair SQLite names is whole and carries the watermark SQLite records;
  - a copy of the data dir opens to exactly the catalog's live ids (loaded, caught up or rebuilt);
  - nothing finished was redone: every indexed row that survives keeps its vector, vec_seq and
    indexed_at, unless the test edited that file.

Every --check-every rounds a clean run must finish and leave the catalog equal to the disk,
every photo indexed exactly once. Results go to bench/out/soak_kill.json.

    .venv/bin/python bench/soak_kill.py --rounds 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

POINTS = ["scan", "encode", "commit", "committed", "save", "save-files", "save-meta"]


def make_photo(path: Path, seed: int) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    img = np.stack([rng.uniform(0, 255) + rng.uniform(-2, 2) * x + rng.uniform(-2, 2) * y for _ in range(3)], -1)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(tmp, "JPEG", quality=85)
    os.replace(tmp, path)


def run_child(argv: list[str], env: dict[str, str], log: Path, kill_after: float | None, timeout: float = 300) -> dict:
    """`clipdesk argv` in a forked child, as the crash tests' fork server runs it."""
    from reliability.killserver import run_forked

    return run_forked({"argv": argv, "env": env, "log": str(log), "kill_after": kill_after, "timeout": timeout})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--photos", type=int, default=60, help="photos at the start")
    parser.add_argument("--batch-size", type=int, default=3)
    parser.add_argument("--random-share", type=float, default=0.3, help="share of kills at random moments")
    parser.add_argument("--check-every", type=int, default=25, help="a clean run and a full check every N rounds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", help="keep everything here (default: a temp dir, removed)")
    parser.add_argument("--out", default=str(REPO / "bench" / "out" / "soak_kill.json"))
    args = parser.parse_args()

    # Heavy imports once; forked children inherit them. Nothing here runs a model.
    import sentence_transformers  # noqa: F401
    import torch  # noqa: F401
    from reliability.util import catalog_paths, check_saved_index, indexed_rows, integrity, processes_with_env
    from transformers import CLIPModel  # noqa: F401

    import clipdesk.cli.main
    import clipdesk.engine.core  # noqa: F401

    rng = random.Random(args.seed)
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="clipdesk-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    model = work / "model"
    if not (model / "config.json").exists():
        pid = os.fork()  # building the model runs torch: keep that out of this process
        if pid == 0:
            from clipdesk.encoder.random_model import build_random_clip

            build_random_clip(model, size="tiny")
            os._exit(0)
        os.waitpid(pid, 0)
    photos, data, log = work / "photos", work / "data", work / "runs.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPDESK_")}
    env.update(
        HF_HUB_OFFLINE="1",
        CLIPDESK_DATA_DIR=str(data),
        CLIPDESK_MODEL=str(model),
        CLIPDESK_DECODE_WORKERS="1",
        CLIPDESK_THREADS="1",
        PYTHONPATH=str(REPO),
    )
    seeds = iter(range(10**6, 10**7))
    folders = [f"d{i}" for i in range(5)]
    for _ in range(args.photos):
        make_photo(photos / rng.choice(folders) / f"p{next(seeds)}.jpg", next(seeds))
    assert run_child(["add", str(photos)], env, log, None)["rc"] == 0

    db = data / "catalog.sqlite3"
    stats: Counter = Counter()
    opened: Counter = Counter()
    violations: list[str] = []
    durations: list[float] = []
    reported = 0
    started = time.monotonic()

    def disk() -> set[str]:
        return {str(p) for p in photos.rglob("*.jpg")}

    def full_check(label: str) -> None:
        r = run_child(["index", "--batch-size", str(args.batch_size)], env, log, None)
        if r["rc"] != 0:
            violations.append(f"{label}: clean run failed {r}")
            return
        on_disk = disk()
        rows = catalog_paths(db)
        if sorted(rows) != sorted(on_disk):
            violations.append(f"{label}: catalog != disk ({len(rows)} rows, {len(on_disk)} files)")
        if sorted(catalog_paths(db, "indexed")) != sorted(on_disk):
            violations.append(f"{label}: not everything indexed")
        how = check_saved_index(data)
        if how == "rebuilt":  # loaded, or caught up (a run with nothing to encode does not save it)
            violations.append(f"{label}: after a clean exit the index had to be rebuilt")
        stats["full checks"] += 1

    edited: set[str] = set()  # edited in place and not yet encoded again: may be re-encoded
    for round_no in range(1, args.rounds + 1):
        # -- change the library ----------------------------------------------------------------
        for _ in range(rng.randint(1, 4)):
            make_photo(photos / rng.choice(folders) / f"p{next(seeds)}.jpg", next(seeds))
        files = sorted(disk())
        if files and rng.random() < 0.25:
            os.unlink(rng.choice(files))
            stats["deleted"] += 1
        files = sorted(disk())
        if files and rng.random() < 0.25:
            src = rng.choice(files)
            dst = photos / rng.choice(folders) / f"r{next(seeds)}.jpg"
            os.rename(src, dst)
            if src in edited:  # moved before it was encoded again: it will be, under the new name
                edited.discard(src)
                edited.add(str(dst))
            stats["renamed"] += 1
        files = sorted(disk())
        if files and rng.random() < 0.1:
            target = rng.choice(files)
            make_photo(Path(target), next(seeds))  # edited in place: may be re-encoded
            edited.add(target)
            stats["edited"] += 1
        if rng.random() < 0.04:
            old = rng.choice(folders)
            new = f"d{next(seeds)}"
            if (photos / old).exists():
                os.rename(photos / old, photos / new)
                edited = {str(photos / new / Path(e).name) if Path(e).parent.name == old else e for e in edited}
                folders[folders.index(old)] = new
                stats["folder renamed"] += 1

        # -- run and kill ------------------------------------------------------------------------
        before = indexed_rows(db)
        run_env = dict(env)
        if rng.random() < args.random_share:
            kind, kill_after = "random", rng.uniform(0.05, 2.0)
        else:
            point = rng.choice(POINTS)
            # scan is reached once a run, a save two or three times, a batch point once a batch
            nth = 1 if point == "scan" else rng.randint(1, 2) if point.startswith("save") else rng.randint(1, 4)
            kind, kill_after = f"{point}:{nth}", None
            run_env["CLIPDESK_TEST_KILL_AT"] = kind
        result = run_child(["index", "--batch-size", str(args.batch_size)], run_env, log, kill_after)
        durations.append(result["seconds"])
        label = kind.split(":")[0]
        if result["signal"] == signal.SIGKILL:
            stats[f"killed at {label}"] += 1
            stats["kills"] += 1
        elif result["rc"] == 0:
            stats[f"finished before {label}"] += 1
        else:
            violations.append(f"round {round_no} ({kind}): exit {result}")

        # -- invariants ------------------------------------------------------------------------------
        try:
            if integrity(db) != "ok":
                violations.append(f"round {round_no} ({kind}): integrity_check failed")
            after = indexed_rows(db)
            for image_id, (path, *facts) in before.items():
                if image_id in after and after[image_id][1:] != tuple(facts):
                    # Only an edited file may be encoded again (once).
                    if after[image_id][0] in edited:
                        edited.discard(after[image_id][0])
                    else:
                        violations.append(f"round {round_no} ({kind}): {path} was encoded again")
            opened[check_saved_index(data)] += 1
        except Exception as exc:
            violations.append(f"round {round_no} ({kind}): check failed: {type(exc).__name__}: {exc}")
        if round_no % args.check_every == 0:
            full_check(f"round {round_no}")
        for v in violations[reported:]:
            print(f"VIOLATION {v}", flush=True)
        reported = len(violations)
        if round_no % 25 == 0:
            print(
                f"round {round_no}: {stats['kills']} kills, {len(disk())} photos, {len(violations)} violations, "
                f"{time.monotonic() - started:.0f}s",
                flush=True,
            )
        if len(violations) > 20:
            break

    full_check("final")
    leftover = processes_with_env(str(data))
    time.sleep(0.5)
    leftover = [p for p in leftover if p in processes_with_env(str(data))]
    if leftover:
        violations.append(f"processes outlived their killed indexer: {leftover}")
    summary = {
        "rounds": round_no,
        "kills": stats["kills"],
        "photos_at_end": len(disk()),
        "catalog_rows": len(catalog_paths(db)),
        "events": {k: v for k, v in sorted(stats.items()) if k != "kills"},
        "index_opened": dict(opened),
        "violations": violations,
        "seconds": round(time.monotonic() - started, 1),
        "seconds_per_round_median": round(sorted(durations)[len(durations) // 2], 2) if durations else None,
        "settings": vars(args),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
