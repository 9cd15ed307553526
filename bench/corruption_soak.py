"""Corruption soak: random damage to random pages of a small real catalog, N rounds.

The catalog is built the user's way (clipdesk add + index with a tiny random CLIP, a smart album,
settings, a folder with excludes) and backed up once. Each round copies it, damages 1-3 random
pages (a whole page of random bytes, a zeroed page, or a few bytes inside one), runs every CLI
command on it, then `clipdesk recover` (alternating --from-backup and --salvage when it says the
catalog is damaged) and checks:
  - never a traceback, never "unexpected error", never an exit code outside the documented ones;
  - after recovery the catalog passes quick_check, `status` exits 0, and the user-made things the
    backup held (folders with excludes, settings, albums) are all there.

    .venv/bin/python bench/corruption_soak.py [--rounds 50] [--seed 1]

Commands run in this process through clipdesk.cli.main.main (stdout/stderr captured), so an
exception that escaped main would show here as a traceback too.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from pathlib import Path

from _common import REPO, table, write_json

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from conftest import make_photo

from clipdesk.cli.main import main as cli
from clipdesk.encoder.random_model import build_random_clip

DOCUMENTED_EXITS = {0, 2, 3, 4, 5, 6, 7, 8}


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli(args)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        except BaseException:
            traceback.print_exc()
            code = -1
    return code, out.getvalue(), err.getvalue()


def user_made(catalog: Path) -> dict[str, object]:
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        return {
            "roots": conn.execute("SELECT path, excludes FROM roots ORDER BY path").fetchall(),
            "settings": conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('query_languages', 'model_setting') ORDER BY key"
            ).fetchall(),
            "albums": conn.execute("SELECT name, description FROM albums ORDER BY name").fetchall(),
        }
    finally:
        conn.close()


def build(work: Path) -> tuple[Path, Path, Path]:
    model = build_random_clip(work / "model")
    photos = work / "photos"
    for i in range(60):
        make_photo(photos / f"sub{i % 3}" / f"img_{i:03d}.jpg", seed=i)
    more = work / "more"
    for i in range(10):
        make_photo(more / f"m_{i:03d}.jpg", seed=100 + i)
    data = work / "pristine"
    base = ["--data-dir", str(data), "--model", str(model)]
    for args in (
        ["add", str(photos), "--exclude", "raw", "--exclude", "*.png"],
        ["add", str(more)],
        ["index"],
        ["album", "add", "Gradients", "--text", "smooth colour gradients"],
    ):
        code, out, err = run([*args, *base])
        assert code == 0, (args, out, err)
    conn = sqlite3.connect(data / "catalog.sqlite3")
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('query_languages', 'english')")
    conn.commit()
    conn.close()
    code, out, err = run(["backup", *base])
    assert code == 0, (out, err)
    return data, model, photos


def damage(catalog: Path, rng: random.Random) -> list[str]:
    size = catalog.stat().st_size
    page_size = 4096
    pages = max(1, size // page_size)
    done = []
    with open(catalog, "r+b") as fh:
        for _ in range(rng.randint(1, 3)):
            page = rng.randrange(pages)
            kind = rng.choice(["random page", "zero page", "few bytes"])
            if kind == "few bytes":
                fh.seek(page * page_size + rng.randrange(page_size - 16))
                fh.write(rng.randbytes(rng.randint(1, 16)))
            else:
                fh.seek(page * page_size)
                fh.write(rng.randbytes(page_size) if kind == "random page" else bytes(page_size))
            done.append(f"{kind} @{page + 1}")
    return done


def commands(data: Path, model: Path, photos: Path) -> list[list[str]]:
    base = ["--data-dir", str(data), "--model", str(model)]
    one = next(photos.rglob("*.jpg"))
    return [
        ["status", *base],
        ["status", "--json", *base],
        ["search", "a photo", *base],
        ["similar", str(one), *base],
        ["labels", *base],
        ["album", "list", *base],
        ["describe", str(one), *base],
        ["index", *base],
        ["backup", "--list", *base],
        ["backup", *base],
        ["recover", *base],
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()
    rng = random.Random(opts.seed)
    work = Path(tempfile.mkdtemp(prefix="clipdesk-soak-"))
    started = time.perf_counter()
    pristine, model, photos = build(work)
    held = user_made(pristine / "catalog.sqlite3")
    failures: list[str] = []
    exits: dict[int, int] = {}
    outcomes: dict[str, int] = {}
    for n in range(opts.rounds):
        data = work / f"round-{n:02d}"
        shutil.copytree(pristine, data)
        what = damage(data / "catalog.sqlite3", rng)
        for args in commands(data, model, photos):
            code, _out, err = run(args)
            exits[code] = exits.get(code, 0) + 1
            if code not in DOCUMENTED_EXITS or "Traceback" in err or "unexpected error" in err:
                failures.append(f"round {n} ({', '.join(what)}): {args[0]} exited {code}: {err.strip()[-400:]}")
        code, _out, err = run(["recover", "--data-dir", str(data)])
        if code == 7:
            choice = "--from-backup" if n % 2 == 0 else "--salvage"
            code, _out, err = run(["recover", choice, "--data-dir", str(data)])
            outcome = f"damaged: recover {choice}"
            if code != 0:
                failures.append(f"round {n} ({', '.join(what)}): recover {choice} exited {code}: {err[-400:]}")
        else:
            outcome = "no damage found"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        code, _out, err = run(["status", "--data-dir", str(data), "--model", str(model)])
        if code != 0:
            failures.append(f"round {n} ({', '.join(what)}): status after recovery exited {code}: {err[-400:]}")
            continue
        now = user_made(data / "catalog.sqlite3")
        if now != held:
            failures.append(f"round {n} ({', '.join(what)}): user-made things differ after recovery: {now} != {held}")
        shutil.rmtree(data)
    seconds = time.perf_counter() - started
    print(table([[k, v] for k, v in sorted(outcomes.items())], ["round outcome", "rounds"]))
    print(table([[k, v] for k, v in sorted(exits.items())], ["exit code", "commands"]))
    print(f"{opts.rounds} rounds, {sum(exits.values())} commands, {seconds:.0f} s, {len(failures)} failures")
    for failure in failures:
        print("FAIL", failure)
    write_json(
        "corruption_soak",
        {"rounds": opts.rounds, "seed": opts.seed, "outcomes": outcomes, "exits": exits, "failures": failures},
    )
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("CLIPDESK_DECODE", "thread")  # no decode processes per round
    sys.exit(main())
