"""Finding photos by the text in them: the catalog's full-text index (Chinese without spaces, one- and
two-character words, case, digits inside longer numbers), the query's words, and the whole path through
the engine and the CLI with real OCR on real photos (the tiny random CLIP ranks the rest)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import make_photo
from text_images import FONT, make_text_library

from clipdesk.catalog import Catalog
from clipdesk.cli.main import main
from clipdesk.engine.worker import CancelToken
from clipdesk.search import SearchRequest
from clipdesk.search.text_match import line_matches, text_query


@pytest.fixture(autouse=True)
def text_reading_on(monkeypatch) -> None:
    monkeypatch.delenv("CLIPDESK_TEXT", raising=False)  # tests/conftest.py turns it off for the other tests


def _lines(*texts: str) -> list[dict]:
    return [{"text": t, "box": [[0.1, 0.1], [0.5, 0.1], [0.5, 0.2], [0.1, 0.2]], "score": 0.99} for t in texts]


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    root = catalog.add_root(str(tmp_path))
    with catalog.transaction() as conn:
        for i in (1, 2, 3, 4):
            conn.execute(
                "INSERT INTO images(id, root_id, path, size, mtime_ns, content_key, status) "
                "VALUES (?, ?, ?, 1, 1, ?, 'indexed')",
                (i, root.id, f"{tmp_path}/{i}.jpg", f"key{i}"),
            )
    catalog.write_photo_text(
        [
            (1, "key1", _lines("今天促销活动", "电话 138-1234-5678")),
            (2, "key2", _lines("WiFi Password: Sunshine", "增值税发票")),
            (3, "key3", _lines("Ｔｅｌ：０２１－８７６５４３２１", "OK")),
            (4, "key4", []),  # read: no text
        ]
    )
    yield catalog
    catalog.close()


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("促", [1]),  # one character
        ("票", [2]),
        ("促销", [1]),  # two characters: a word trigrams alone cannot match
        ("发票", [2]),
        ("促销活动", [1]),  # many characters inside a run with no spaces
        ("增值税发票", [2]),
        ("wifi", [2]),  # English, any case
        ("WIFI", [2]),
        ("PassWord", [2]),
        ("ok", [3]),  # a two-letter word
        ("12345678", [1]),  # a phone number's last eight digits, written with dashes
        ("1234-5678", [1]),
        ("87654321", [3]),  # full-width digits
        ("tel", [3]),
        ("sunshine", [2]),
        ("汽车", []),
        ("99999999", []),
    ],
)
def test_full_text_index(catalog: Catalog, term: str, expected: list[int]) -> None:
    assert catalog.photos_with_text(term) == expected


def test_backlog_and_a_changed_file(catalog: Catalog) -> None:
    assert catalog.unread_ids(-1) == []
    assert catalog.text_progress() == (4, 4)
    with catalog.transaction() as conn:  # a new version of the file: its text is read again
        conn.execute("UPDATE images SET content_key = 'key1b' WHERE id = 1")
    assert catalog.photos_with_text("促销") == []
    assert catalog.unread_ids(-1) == [1]
    assert [row[0] for row in catalog.photos_to_read([1, 4])] == [1, 4]
    catalog.write_photo_text([(1, "key1", _lines("旧的"))])  # read from the old version: not kept
    assert catalog.photo_text(1) is None
    with catalog.transaction() as conn:
        conn.execute("DELETE FROM images WHERE id = 2")
    assert catalog.photos_with_text("wifi") == []
    assert catalog.photo_text(4) is not None and catalog.photo_text(4).lines == []


def test_query_words() -> None:
    assert text_query("receipt on a table").words == ("receipt", "table")
    assert text_query("超市的发票").words == ("超市", "发票")
    query = text_query('"wifi password" router')
    assert query.phrases == ("wifi password",) and query.words == ("router",)
    assert text_query("促").words == ("促",)
    assert line_matches("电话 138-1234-5678", ["12345678"])
    assert line_matches("OK go", ["ok"]) and not line_matches("looking", ["ok"])


# -- with real OCR, through the engine -------------------------------------------------------------------


@pytest.fixture
def text_library(tmp_path: Path, corpus: Path, tiny_student: Path, monkeypatch) -> tuple[Path, dict[str, Path]]:
    monkeypatch.setenv("CLIPDESK_MULTILINGUAL_MODEL", str(tiny_student))  # Chinese queries need a text student
    if not FONT.exists():
        pytest.skip("fonts-noto-cjk is not installed")
    folder = tmp_path / "photos"
    made = make_text_library(folder, corpus)
    for i in range(4):  # photos without text around them
        make_photo(folder / f"other_{i}.jpg", seed=100 + i, size=(160, 120))
    return folder, made


def _search(engine, text: str):
    return engine.search(SearchRequest(text=text, limit=10, split=False)).hits


def test_photos_are_found_by_their_text(engine_factory, text_library) -> None:
    folder, made = text_library
    engine = engine_factory()
    engine.add_root(folder)
    engine.index()
    assert engine.search(SearchRequest(text="发票", limit=3)).hits[0].text_match is False  # not read yet
    assert engine.text_pass.run() == 8
    assert engine.text_pass.run() == 0  # nothing left
    for query, name in [
        ("发票", "receipt"),  # two Chinese characters
        ("促", "receipt"),  # one
        ("超市的促销活动", "receipt"),  # a Chinese query: its words are looked for
        ("12345678", "receipt"),  # the phone number's last eight digits
        ("password", "sign"),  # English, any case
        ("SUNSHINE", "sign"),
        ('"wifi password"', "sign"),  # an exact phrase
        ("arrow pointing left", "arrows"),  # a corpus photo with words in it
    ]:
        hits = _search(engine, query)
        assert hits[0].path == str(made[name]), query
        assert hits[0].text_match and not any(h.text_match for h in hits[1:]), query
    # The photo without the word is not lifted, and a phrase must match as a whole.
    assert not any(h.text_match for h in _search(engine, "beach umbrella"))
    assert not any(h.text_match for h in _search(engine, '"password wifi"'))
    plain = [h for h in _search(engine, "发票") if h.path == str(made["plain"])]
    assert plain and not plain[0].text_match
    # Lifting can be turned off per request: the CLIP ranking alone.
    unlifted = engine.search(SearchRequest(text="发票", limit=10, split=False, match_text=False)).hits
    assert not any(h.text_match for h in unlifted)
    # Only what changed since is looked at again: a new photo is read, alone.
    shutil.copyfile(made["sign"], folder / "sign_again.png")
    engine.index()
    assert engine.catalog.unread_ids(engine.catalog.text_watermark()) != []
    assert engine.text_pass.run() == 1 and engine.catalog.text_progress() == (9, 9)


def test_background_pass_reads_after_indexing(engine_factory, text_library) -> None:
    folder, made = text_library
    engine = engine_factory()
    engine.add_root(folder)
    states = []
    engine.text_pass.add_listener(states.append)
    engine.start(watch=False)
    assert engine.wait_idle(120)
    assert engine.text_pass.wait_idle(120)
    assert engine.catalog.text_progress() == (8, 8)
    assert any(s.phase == "reading" for s in states) and states[-1].phase == "idle"
    assert _search(engine, "wifi")[0].path == str(made["sign"])
    # Turned off for this library: the setting is stored, and nothing new is read.
    engine.text_pass.set_enabled(False)
    assert not engine.text_pass.enabled and engine.text_pass.state.phase == "off"
    shutil.copyfile(made["receipt"], folder / "receipt_copy.jpg")
    engine.start(watch=False)
    assert engine.wait_idle(60)
    assert engine.text_pass.run() == 0


def test_the_pass_steps_aside_while_clip_indexing_runs(engine_factory, text_library) -> None:
    folder, _made = text_library
    engine = engine_factory()
    engine.add_root(folder)
    engine.index()
    token = CancelToken()
    reading = threading.Thread(target=engine.text_pass.run, kwargs={"token": token, "step_aside": True})
    with engine.indexing:  # what an indexing run holds
        reading.start()
        deadline = time.monotonic() + 30
        while engine.text_pass.state.phase != "waiting" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert engine.text_pass.state.phase == "waiting"
        time.sleep(0.6)
        assert engine.catalog.text_progress() == (0, 8)  # nothing read meanwhile
    reading.join(60)
    assert not reading.is_alive() and engine.catalog.text_progress() == (8, 8)


def test_cli_index_search_status_and_text(tmp_path: Path, tiny_model: Path, text_library, capsys, monkeypatch) -> None:
    folder, made = text_library
    data = str(tmp_path / "cli-data")
    base = ["--data-dir", data, "--model", str(tiny_model)]
    assert main(["add", str(folder), *base]) == 0
    assert main(["index", "--no-text", *base]) == 0
    assert main(["status", "--json", *base]) == 0
    out = capsys.readouterr().out
    status = json.loads(out[out.index("{") :])
    assert status["text"] == {"enabled": True, "read": 0, "indexed": 8}
    assert main(["index", *base]) == 0  # nothing new to encode: the text pass still runs
    assert "Read the text in 8 photos" in capsys.readouterr().out
    assert main(["status", *base]) == 0
    assert "read in all 8 photos" in capsys.readouterr().out
    assert main(["search", "发票", "--json", "-k", "5", *base]) == 0
    hits = json.loads(capsys.readouterr().out)["results"]
    assert hits[0]["path"] == str(made["receipt"]) and hits[0]["text_match"] is True
    assert [h["text_match"] for h in hits[1:]] == [False] * (len(hits) - 1)
    # `clipdesk text FILE`, for a file outside the library too.
    outside = shutil.copyfile(made["sign"], tmp_path / "outside.jpg")
    assert main(["text", str(outside)]) == 0
    assert "WiFi Password" in capsys.readouterr().out
    assert main(["text", str(tmp_path / "missing.jpg")]) == 4
    monkeypatch.setenv("CLIPDESK_TEXT", "0")
    assert main(["status", *base]) == 0
    assert "off" in capsys.readouterr().out
    monkeypatch.setenv("CLIPDESK_TEXT", "maybe")
    assert main(["status", *base]) == 2


def test_a_salvaged_catalog_keeps_the_text_and_finds_it(catalog: Catalog, tmp_path: Path) -> None:
    """Salvage copies photo_text like any table and builds the full-text indexes again (their FTS shadow tables
    are never copied row by row)."""
    from clipdesk.catalog.salvage import salvage_into

    target = tmp_path / "salvaged.sqlite3"
    Catalog(target).close()
    salvage_into(catalog.path, target, None, tmp_path / "scratch.sqlite3")
    salvaged = Catalog(target)
    try:
        assert salvaged.photos_with_text("发票") == [2] and salvaged.photos_with_text("12345678") == [1]
        assert salvaged.text_progress() == (4, 4)
        assert salvaged.integrity_check() == "ok"
    finally:
        salvaged.close()
