"""What a query finds in the text of photos, through the real engine on a real catalog: whole English
words (not substrings), plurals, phrases, digits inside numbers, Chinese; filters and paging with lifted
photos; queries full of FTS syntax that must never raise; a photo the reader cannot decode is recorded
and not read again. The text is written as the text pass would write it (no OCR here: test_text_search.py
reads real text with RapidOCR)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipdesk.catalog import Filters
from clipdesk.search import SearchRequest

TEXTS = {
    "sub0/img_0000.jpg": ["Location: Berlin", "credit card only"],
    "sub1/img_0001.jpg": ["CAT FOOD 猫粮", "Tel 138-1234-5678"],
    "sub2/img_0002.jpg": ["RECEIPTS", "增值税发票 促销"],
    "sub0/img_0003.jpg": ["Tel: 021-8765 4321", "WiFi password: sunshine"],
}
NASTY = [
    '"',
    '""',
    '"unclosed',
    "*",
    "cat*",
    "-",
    "--",
    "-cat",
    "OR",
    "cat OR dog",
    "AND NOT",
    "NEAR(cat dog)",
    "(",
    ")",
    "()",
    "body:cat",
    "^cat",
    "{a b}",
    "'",
    "😀",
    "😀 发票",
    "\x00",
    "tel\x00",
    '"\x00"',
    "",
    "   ",
    "、。！",
    "“促销”",
    "「」",
    '"" OR ""',
]
LONG = ["x" * 500, "发" * 300, "tel " * 200]  # past the text encoder's 77 tokens: the catalog alone here


@pytest.fixture(autouse=True)
def multilingual(tiny_student: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLIPDESK_MULTILINGUAL_MODEL", str(tiny_student))  # Chinese queries need a text student


@pytest.fixture
def engine(engine_factory, make_library):
    root = make_library(12)
    engine = engine_factory()
    engine.add_root(root)
    engine.index()
    records = engine.catalog.images(engine.catalog.live_vector_ids(engine.model_id).tolist())
    by_name = {str(Path(r.path).relative_to(root)): r for r in records.values()}
    engine.catalog.write_photo_text(
        [(r.id, r.content_key, _lines(*TEXTS.get(name, []))) for name, r in by_name.items()]
    )
    engine.named = {name: r.id for name, r in by_name.items()}
    engine.root = root
    return engine


def _lines(*texts: str) -> list[dict]:
    return [{"text": t, "box": [[0.1, 0.1], [0.5, 0.1], [0.5, 0.2], [0.1, 0.2]], "score": 0.99} for t in texts]


def _lifted(engine, text: str, filters: Filters | None = None) -> list[str]:
    request = SearchRequest(text=text, limit=50, split=False, filters=filters or Filters())
    hits = engine.search(request).hits
    lifted = [h for h in hits if h.text_match]
    assert hits[: len(lifted)] == lifted  # lifted photos come first
    return [str(Path(h.path).relative_to(engine.root)) for h in lifted]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cat", ["sub1/img_0001.jpg"]),  # not "Location"
        ("red car", []),  # not "credit card"
        ("receipt", ["sub2/img_0002.jpg"]),  # a plural in the text
        ("credit cards", ["sub0/img_0000.jpg"]),  # a plural in the query
        ('"credit card"', ["sub0/img_0000.jpg"]),
        ('"card credit"', []),  # a phrase in its order
        ('"wifi password"', ["sub0/img_0003.jpg"]),
        ("12345678", ["sub1/img_0001.jpg"]),  # a phone number's last eight digits
        ("87654321", ["sub0/img_0003.jpg"]),
        ('"138 1234 5678"', ["sub1/img_0001.jpg"]),  # written with dashes in the photo
        ("021-87654321", ["sub0/img_0003.jpg"]),  # with a space there
        ("猫", ["sub1/img_0001.jpg"]),  # one Chinese character
        ("发票", ["sub2/img_0002.jpg"]),  # two
        ("增值税发票", ["sub2/img_0002.jpg"]),  # many
        ("beach umbrella", []),
    ],
)
def test_what_a_query_lifts(engine, query: str, expected: list[str]) -> None:
    assert _lifted(engine, query) == expected


def test_filters_apply_to_lifted_photos(engine) -> None:
    assert sorted(_lifted(engine, "tel")) == ["sub0/img_0003.jpg", "sub1/img_0001.jpg"]
    sub0 = Filters(folders=(str(engine.root / "sub0"),))
    hits = engine.search(SearchRequest(text="tel", limit=50, split=False, filters=sub0)).hits
    assert [h.id for h in hits if h.text_match] == [engine.named["sub0/img_0003.jpg"]]
    assert all(Path(h.path).parent.name == "sub0" for h in hits)
    assert _lifted(engine, "tel", Filters(formats=("PNG",))) == []  # every photo here is a JPEG
    root_id = engine.catalog.roots()[0].id
    engine.catalog.set_root_online(root_id, False)
    assert _lifted(engine, "tel", Filters(include_offline=False)) == []
    assert len(_lifted(engine, "tel")) == 2  # offline photos are still found unless filtered out


def test_pages_hold_each_photo_once(engine) -> None:
    whole = engine.search(SearchRequest(text="tel", limit=50, split=True)).hits
    assert [h.text_match for h in whole[:2]] == [True, True] and not any(h.text_match for h in whole[2:])
    paged = []
    for offset in range(0, 12, 5):
        page = engine.search(SearchRequest(text="tel", offset=offset, limit=5, split=True))
        paged += page.hits
        assert page.has_more == (offset + 5 < 12)
    assert [h.id for h in paged] == [h.id for h in whole]
    assert len({h.id for h in paged}) == 12
    one_by_one = [engine.search(SearchRequest(text="tel", offset=i, limit=1)).hits[0] for i in range(12)]
    assert [h.id for h in one_by_one] == [h.id for h in whole]  # lifted photos spread over pages too


def test_queries_full_of_syntax_never_raise(engine) -> None:
    for query in NASTY + LONG:
        for whole in (False, True):
            engine.catalog.photos_with_text(query, whole_words=whole)
    for query in NASTY:
        engine.search(SearchRequest(text=query, limit=5))
        assert engine.search(SearchRequest(text=f'"{query}" tel', limit=5)).hits  # the CLIP ranking still answers


def test_any_query_never_raises(engine) -> None:
    # Up to 15 characters: at most 4 byte tokens each stays under the text encoder's 77 tokens.
    @settings(max_examples=150, deadline=None, database=None)
    @given(st.text(st.characters(codec="utf-8"), max_size=15) | st.sampled_from(NASTY).map(lambda s: s + " tel"))
    def check(query: str) -> None:
        for whole in (False, True):
            engine.catalog.photos_with_text(query * 10, whole_words=whole)
        hits = engine.search(SearchRequest(text=query, limit=5, split=False)).hits
        assert all(h.text_terms for h in hits if h.text_match)

    check()


def test_a_photo_the_reader_cannot_decode_is_recorded_once(engine, monkeypatch) -> None:
    monkeypatch.delenv("CLIPDESK_TEXT", raising=False)  # tests/conftest.py turns the pass off elsewhere
    broken = engine.root / "sub1" / "img_0004.jpg"
    with engine.catalog.transaction() as conn:  # as if never read
        conn.execute("DELETE FROM photo_text WHERE image_id = ?", (engine.named["sub1/img_0004.jpg"],))
    broken.write_bytes(b"not a picture any more")  # changed after the CLIP pass read it
    assert engine.text_pass.run() == 1
    assert engine.catalog.photo_text(engine.named["sub1/img_0004.jpg"]).lines == []
    assert engine.text_pass.run() == 0  # not tried again until the file is indexed again
