"""The `clipdesk` command end to end, as a script would use it: through a subprocess where the process itself
matters (exit status, signals, which modules it imports, environment read at start), else `main()` in this
process (`main_in_process`: same arguments, environment, output and exit code, without an interpreter start)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import make_dated_photo, make_photo


def main_in_process(
    args: list[str], data: Path, model: Path | str | None, env_extra: dict | None = None
) -> SimpleNamespace:
    """`run`'s twin for tests about a command's output and exit code, not about processes: `main()` in this
    process with the same environment (no CLIPDESK_* but these), so each call skips a fresh interpreter's
    torch import (seconds each on 2 cores). Usable from module fixtures too (no pytest fixture needed)."""
    from clipdesk.cli.main import main

    env = {"CLIPDESK_DATA_DIR": str(data), **({"CLIPDESK_MODEL": str(model)} if model is not None else {})}
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for key in [k for k in os.environ if k.startswith("CLIPDESK_")]:
            mp.delenv(key)
        for key, value in {**env, **(env_extra or {})}.items():
            mp.setenv(key, value)
        try:
            code = main(args)
        except SystemExit as exc:  # argparse's usage errors end the process as they would a script
            code = exc.code if isinstance(exc.code, int) else 2
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


@pytest.fixture
def cli_in_process() -> Callable[..., SimpleNamespace]:
    return main_in_process


def run(args: list[str], data: Path, model: Path | str | None, timeout: float = 120, env_extra: dict | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPDESK_")}
    env["CLIPDESK_DATA_DIR"] = str(data)
    if model is not None:
        env["CLIPDESK_MODEL"] = str(model)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "clipdesk", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_model):
    base = tmp_path_factory.mktemp("cli")
    photos = base / "photos"
    for i in range(10):
        make_photo(photos / ("a" if i < 5 else "b") / f"p{i}.jpg", seed=i)
    (photos / "broken.jpg").write_bytes(b"not a jpeg at all")
    data = base / "data"
    r = main_in_process(["add", str(photos)], data, tiny_model)
    assert r.returncode == 0, r.stderr
    r = main_in_process(["index"], data, tiny_model)
    assert r.returncode == 0, r.stderr
    assert "Indexed 10 new" in r.stdout and "1 unreadable" in r.stdout
    return data, photos


def test_search_json_is_ranked_and_complete(indexed, tiny_model):
    data, _ = indexed
    r = main_in_process(["search", "a dog on a beach", "-k", "4", "--json"], data, tiny_model)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    scores = [h["score"] for h in out["results"]]
    assert len(scores) == 4 and scores == sorted(scores, reverse=True)
    assert out["has_more"] is True
    assert set(out["results"][0]) >= {"id", "path", "score", "taken_at", "width", "height", "format"}
    r2 = main_in_process(["search", "a dog on a beach", "-k", "4", "--offset", "4", "--json"], data, tiny_model)
    page2 = json.loads(r2.stdout)["results"]
    assert not {h["id"] for h in page2} & {h["id"] for h in out["results"]}
    assert page2[0]["score"] <= scores[-1]


@pytest.fixture(scope="module")
def dated(tmp_path_factory, tiny_model):
    """Six photos whose EXIF dates differ: three from July 2019, three from July 2021."""
    base = tmp_path_factory.mktemp("cli-dated")
    photos = base / "photos"
    for i in range(6):
        taken = "2019:07:14 10:00:00" if i < 3 else "2021:07:20 16:30:00"
        make_dated_photo(photos / f"d{i}.jpg", seed=100 + i, taken=taken)
    data = base / "data"
    assert main_in_process(["add", str(photos)], data, tiny_model).returncode == 0
    assert main_in_process(["index"], data, tiny_model).returncode == 0
    return data, {str(photos / f"d{i}.jpg") for i in range(3)}


def test_search_json_reports_the_query_as_understood(dated, tiny_model):
    data, from_2019 = dated
    r = main_in_process(["search", "beach 2019 -people", "--json"], data, tiny_model)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {h["path"] for h in out["results"]} == from_2019
    assert out["text_encoder"] == str(tiny_model)
    assert out["query"] == {
        "text": "beach",
        "date_from": "2019-01-01T00:00:00",
        "date_to": "2020-01-01T00:00:00",
        "date_phrase": "2019",
        "negatives": ["people"],
    }
    assert isinstance(out["best_count"], int) and all(isinstance(h["best"], bool) for h in out["results"])
    assert [h["best"] for h in out["results"]] == [i < out["best_count"] for i in range(3)]


def test_chinese_query_with_a_date_uses_the_multilingual_model(dated, tiny_model, tiny_student, cli_in_process):
    run = cli_in_process
    data, from_2019 = dated
    student = {"CLIPDESK_MULTILINGUAL_MODEL": str(tiny_student)}
    r = run(["search", "2019年的海滩", "--json"], data, tiny_model, env_extra=student)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {h["path"] for h in out["results"]} == from_2019
    assert out["text_encoder"] == str(tiny_student) and out["query"]["text"] == "海滩"
    english_only = ["search", "2019年的海滩", "--json", "--query-languages", "english"]
    english = run(english_only, data, tiny_model, env_extra=student)
    assert json.loads(english.stdout)["text_encoder"] == str(tiny_model)
    # No multilingual model for this image model: a clear error, and English queries still work.
    r = run(["search", "海滩"], data, tiny_model)
    assert r.returncode == 3 and "No multilingual text model is known" in r.stderr and "Traceback" not in r.stderr


def test_best_matches_then_other_results(dated, tiny_model, cli_in_process):
    run = cli_in_process
    data, _ = dated
    target = sorted(dated[1])[0]
    r = run(["similar", target, "--min-score", "0.9999"], data, tiny_model)
    lines = r.stdout.splitlines()
    assert r.returncode == 0 and lines[0].split()[2] == target and lines[1] == "Other results", r.stdout
    assert len(lines) == 7  # 6 photos and the divider
    r = run(["search", "beach", "--min-score", "1.5"], data, tiny_model)
    assert r.stdout.splitlines()[0] == "No close matches: showing the nearest" and len(r.stdout.splitlines()) == 7
    out = json.loads(run(["search", "beach", "--all", "--json"], data, tiny_model).stdout)
    assert out["best_count"] is None and [h["best"] for h in out["results"]] == [None] * 6
    r = run(["search", "beach", "--all"], data, tiny_model)
    assert len(r.stdout.splitlines()) == 6 and "results" not in r.stdout
    assert run(["search", "beach", "--all", "--min-score", "0.5"], data, tiny_model).returncode == 2


def test_similar_finds_the_photo_itself_first(indexed, tiny_model):
    data, photos = indexed
    target = photos / "b" / "p7.jpg"
    r = main_in_process(["similar", str(target), "-k", "3"], data, tiny_model)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0].split()
    assert first[0] == "1" and float(first[1]) == pytest.approx(1.0, abs=1e-3) and first[2] == str(target)


def test_search_by_outside_image_and_filters(indexed, tiny_model, tmp_path):
    data, photos = indexed
    outside = make_photo(tmp_path / "query.png", seed=3)  # same picture as p3, not in the library
    r = main_in_process(
        ["search", "--image", str(outside), "--folder", str(photos / "a"), "--type", "jpg", "--json"], data, tiny_model
    )
    assert r.returncode == 0, r.stderr
    results = json.loads(r.stdout)["results"]
    assert len(results) == 5 and all(h["path"].startswith(str(photos / "a")) for h in results)
    assert results[0]["path"] == str(photos / "a" / "p3.jpg")
    counts = json.loads(main_in_process(["status", "--json"], data, tiny_model).stdout)["counts"]
    assert counts["indexed"] == 10  # querying added nothing


def test_status_lists_errors_with_reasons(indexed, tiny_model):
    data, photos = indexed
    r = main_in_process(["status"], data, tiny_model)
    assert r.returncode == 0
    assert "10 indexed" in r.stdout and "1 unreadable" in r.stdout
    assert f"{photos / 'broken.jpg'}: not an image" in r.stdout
    assert "Index:    up to date" in r.stdout
    js = json.loads(main_in_process(["status", "--json"], data, tiny_model).stdout)
    assert js["errors"] == [{"path": str(photos / "broken.jpg"), "reason": js["errors"][0]["reason"]}]
    assert js["roots"][0]["images"] == 11


def test_status_does_not_import_torch(indexed, tiny_model):
    data, _ = indexed
    code = (
        "import sys; from clipdesk.cli.main import main; main(['status']); "
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')"
    )
    env = {**os.environ, "CLIPDESK_DATA_DIR": str(data), "CLIPDESK_MODEL": str(tiny_model)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.stdout.strip().endswith("NO-TORCH"), r.stdout


def test_missing_model_is_a_clear_error(indexed, tmp_path):
    data, _ = indexed
    r = main_in_process(["search", "cat"], data, tmp_path / "no-such-model")
    assert r.returncode == 3
    assert "does not exist" in r.stderr and "Traceback" not in r.stderr


def test_default_model_offline_says_what_to_do(tmp_path):
    photos = tmp_path / "photos"
    make_photo(photos / "x.jpg", seed=1)
    data = tmp_path / "data"
    assert main_in_process(["add", str(photos)], data, None).returncode == 0
    empty_cache = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}  # read at import: a fresh process
    r = run(["index"], data, None, env_extra=empty_cache)
    assert r.returncode == 3, r.stderr
    assert "sentence-transformers/clip-ViT-B-32" in r.stderr and "--model" in r.stderr
    assert "Traceback" not in r.stderr
    r = main_in_process(["status"], data, None, env_extra=empty_cache)
    assert r.returncode == 0 and "1 waiting" in r.stdout  # nothing lost: still queued


def test_usage_and_path_errors(tmp_path, tiny_model):
    data = tmp_path / "data"
    r = main_in_process(["add", str(tmp_path / "nope")], data, tiny_model)
    assert r.returncode == 4 and "does not exist" in r.stderr
    r = main_in_process(["remove", str(tmp_path)], data, tiny_model)
    assert r.returncode == 4 and "not a watched folder" in r.stderr
    r = main_in_process(["index"], data, tiny_model)
    assert r.returncode == 4 and "clipdesk add" in r.stderr
    r = main_in_process(["search"], data, tiny_model)
    assert r.returncode == 2
    r = main_in_process(["similar", str(tmp_path / "missing.jpg")], data, tiny_model)
    assert r.returncode == 4
    r = main_in_process(["frobnicate"], data, tiny_model)
    assert r.returncode == 2


def test_remove_forgets_photos_but_keeps_files(tmp_path, tiny_model):
    photos = tmp_path / "photos"
    for i in range(3):
        make_photo(photos / f"{i}.jpg", seed=i)
    data = tmp_path / "data"
    main_in_process(["add", str(photos)], data, tiny_model)
    main_in_process(["index"], data, tiny_model)
    r = main_in_process(["remove", str(photos)], data, tiny_model)
    assert r.returncode == 0 and "3 photos forgotten" in r.stdout
    assert len(list(photos.glob("*.jpg"))) == 3
    out = json.loads(main_in_process(["search", "x", "--json"], data, tiny_model).stdout)
    assert out["results"] == []


def test_a_second_indexer_is_refused(indexed, tiny_model):
    import fcntl

    data, _ = indexed
    with open(data / "indexer.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as if the app were indexing
        r = run(["index"], data, tiny_model)
    assert r.returncode == 5 and "already indexing" in r.stderr


def test_index_watch_picks_up_new_photos_and_stops_cleanly(tmp_path, tiny_model):
    import signal
    import time

    photos = tmp_path / "photos"
    make_photo(photos / "first.jpg", seed=1)
    data = tmp_path / "data"
    main_in_process(["add", str(photos)], data, tiny_model)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPDESK_")}
    env.update(CLIPDESK_DATA_DIR=str(data), CLIPDESK_MODEL=str(tiny_model))
    proc = subprocess.Popen(
        [sys.executable, "-m", "clipdesk", "index", "--watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Watching for changes" in line:
                break
        make_photo(photos / "second.jpg", seed=2)
        deadline = time.monotonic() + 60
        for line in proc.stdout:
            lines.append(line)
            if "added" in line or time.monotonic() > deadline:
                break
        assert any("1 added" in line for line in lines), lines
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    out = json.loads(main_in_process(["search", "x", "--json"], data, tiny_model).stdout)
    assert {os.path.basename(h["path"]) for h in out["results"]} == {"first.jpg", "second.jpg"}


def test_global_options_work_before_and_after_the_command(tmp_path, tiny_model):
    photos = tmp_path / "photos"
    make_photo(photos / "a.jpg", seed=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPDESK_")}
    env["HOME"] = str(tmp_path / "home")  # a stray default catalog would land here
    for order in ("before", "after"):
        data = tmp_path / f"data-{order}"
        opts = ["--data-dir", str(data), "--model", str(tiny_model)]
        args = [*opts, "add", str(photos)] if order == "before" else ["add", str(photos), *opts]
        r = subprocess.run([sys.executable, "-m", "clipdesk", *args], capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stderr
        assert (data / "catalog.sqlite3").exists()
    assert not (tmp_path / "home").exists()
