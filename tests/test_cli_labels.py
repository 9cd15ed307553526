"""`clipdesk classify`, `describe`, `labels`, `search --label` and `album` end to end: arguments, environment,
output and exit codes through `main()` in this process (tests/test_cli.py runs real processes where they matter)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import make_photo
from test_cli import main_in_process

VOCABULARY = str(Path(__file__).resolve().parent / "data" / "vocabulary")


def cli(args: list[str], data: Path, model: Path | str | None):
    return main_in_process(args, data, model, env_extra={"CLIPDESK_VOCABULARY_DIR": VOCABULARY})


@pytest.fixture(scope="module")
def library(tmp_path_factory, tiny_model):
    base = tmp_path_factory.mktemp("cli-labels")
    photos = base / "photos"
    for i in range(8):
        make_photo(photos / f"p{i}.jpg", seed=i)
    data = base / "data"
    assert cli(["add", str(photos)], data, tiny_model).returncode == 0
    r = cli(["index"], data, tiny_model)
    assert r.returncode == 0, r.stderr
    outside = make_photo(base / "elsewhere" / "x.jpg", seed=99)
    return data, photos, outside


def _reference(tiny_model: Path, path: Path, names: list[str]) -> np.ndarray:
    from clipdesk.encoder import ClipEncoder
    from clipdesk.labels import from_names, label_vectors, probabilities

    encoder = ClipEncoder(str(tiny_model))
    return probabilities(encoder.encode_images([path])[0], label_vectors(encoder, from_names(names)))[0]


def test_classify_json_sums_to_one_for_files_in_and_outside_the_library(library, tiny_model, tmp_path) -> None:
    data, photos, outside = library
    inside = photos / "p2.jpg"
    r = cli(["classify", str(inside), str(outside), "--labels", "cat, dog,car", "--json"], data, tiny_model)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [row["path"] for row in out] == [str(inside), str(outside)]
    for row in out:
        assert {x["label"] for x in row["labels"]} == {"cat", "dog", "car"}
        probs = [x["probability"] for x in row["labels"]]
        assert sum(probs) == pytest.approx(1.0, abs=1e-5) and probs == sorted(probs, reverse=True)
    want = _reference(tiny_model, outside, ["cat", "dog", "car"])
    got = {x["label"]: x["probability"] for x in out[1]["labels"]}
    assert np.allclose([got["cat"], got["dog"], got["car"]], want, atol=2e-3)

    names = tmp_path / "labels.txt"
    names.write_text("cat\ndog\n\ncar\n", encoding="utf-8")
    text = cli(["classify", str(outside), "--labels-file", str(names)], data, tiny_model)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == str(outside) and len(lines) == 4
    assert sum(float(line.split()[0]) for line in lines[1:]) == pytest.approx(1.0, abs=2e-3)


def test_classify_exit_codes(library, tiny_model, tmp_path) -> None:
    data, _, outside = library
    assert cli(["classify", str(tmp_path / "nope.jpg"), "--labels", "cat"], data, tiny_model).returncode == 4
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a picture")
    assert cli(["classify", str(broken), "--labels", "cat,dog"], data, tiny_model).returncode == 4
    assert cli(["classify", str(outside), "--labels", " , "], data, tiny_model).returncode == 2
    assert cli(["classify", str(outside)], data, tiny_model).returncode == 2  # no labels given at all
    missing_model = cli(["classify", str(outside), "--labels", "cat"], data, tmp_path / "no-model")
    assert missing_model.returncode == 3, missing_model.stderr


def test_describe_vocabulary_and_texts(library, tiny_model, tmp_path) -> None:
    data, _, outside = library
    r = cli(["describe", str(outside), "--json", "-k", "3"], data, tiny_model)
    assert r.returncode == 0, r.stderr
    (row,) = json.loads(r.stdout)
    assert row["path"] == str(outside) and len(row["labels"]) == 3
    assert set(row["labels"][0]) >= {"label", "name", "zh", "category", "probability"}
    texts = tmp_path / "texts.txt"
    texts.write_text("a cat\na receipt on a table\n一只猫\n", encoding="utf-8")
    r = cli(["describe", str(outside), "--texts", str(texts), "--json"], data, tiny_model)
    assert r.returncode == 0, r.stderr
    ranked = json.loads(r.stdout)[0]["texts"]
    assert {x["text"] for x in ranked} == {"a cat", "a receipt on a table", "一只猫"}
    assert [x["score"] for x in ranked] == sorted((x["score"] for x in ranked), reverse=True)
    assert cli(["describe", str(tmp_path / "nope.png")], data, tiny_model).returncode == 4


def test_labels_and_search_by_label_in_english_and_chinese(library, tiny_model) -> None:
    data, _, _ = library
    r = cli(["labels", "--json"], data, tiny_model)
    assert r.returncode == 0, r.stderr
    labels = json.loads(r.stdout)
    assert labels
    conn = sqlite3.connect(data / "catalog.sqlite3")
    counts = dict(conn.execute("SELECT label, COUNT(*) FROM photo_labels GROUP BY label").fetchall())
    assert {x["label"]: x["count"] for x in labels} == counts
    top = labels[0]
    members = [
        r[0]
        for r in conn.execute(
            "SELECT image_id FROM photo_labels WHERE label = ? ORDER BY probability DESC, image_id", (top["label"],)
        )
    ]
    conn.close()
    for name in (top["name"], top["zh"]):
        r = cli(["search", "--label", name, "--json", "-k", "50"], data, tiny_model)
        assert r.returncode == 0, r.stderr
        assert [h["id"] for h in json.loads(r.stdout)["results"]] == members
    r = cli(["search", "a photo", "--label", top["zh"], "--json", "-k", "50", "--all"], data, tiny_model)
    assert r.returncode == 0, r.stderr
    assert {h["id"] for h in json.loads(r.stdout)["results"]} == set(members)
    assert cli(["search", "--label", "nothing-like-this"], data, tiny_model).returncode == 2
    text = cli(["labels"], data, tiny_model)
    assert top["zh"] in text.stdout and top["label"] in text.stdout


def test_album_add_list_show(library, tiny_model, tmp_path) -> None:
    data, photos, _ = library
    r = cli(["album", "add", "Mine", "--text", "our cat Mimi", "--example", str(photos / "p1.jpg")], data, tiny_model)
    assert r.returncode == 0, r.stderr
    assert "Mine" in r.stdout
    listed = json.loads(cli(["album", "list", "--json"], data, tiny_model).stdout)
    assert [a["name"] for a in listed] == ["Mine"]
    assert listed[0]["description"] == "our cat Mimi" and listed[0]["examples"] == [str(photos / "p1.jpg")]
    assert listed[0]["ready"] is True
    shown = cli(["album", "show", "Mine", "--json", "--strictness", "0"], data, tiny_model)
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["album"]["name"] == "Mine"
    scores = [h["score"] for h in body["results"]]
    assert scores == sorted(scores, reverse=True)
    conn = sqlite3.connect(data / "catalog.sqlite3")
    stored = conn.execute("SELECT COUNT(*) FROM album_members WHERE score >= 1.5").fetchone()[0]
    conn.close()
    assert len(body["results"]) == stored
    assert cli(["album", "add", "Bad", "--example", str(tmp_path / "nope.jpg")], data, tiny_model).returncode == 4
    assert cli(["album", "add", "Empty"], data, tiny_model).returncode == 2
    assert cli(["album", "show", "Nobody"], data, tiny_model).returncode == 2
    assert cli(["album", "remove", "Mine"], data, tiny_model).returncode == 0
    assert json.loads(cli(["album", "list", "--json"], data, tiny_model).stdout) == []
