"""Reading text in photos with the real RapidOCR models (Chinese + English), on rendered text pasted onto
real photos and on corpus photos that hold text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from text_images import FONT, RECEIPT, SIGN, make_text_library, render_text_photo

from clipdesk.text import TextLine, TextReader, decode_for_text

pytestmark = pytest.mark.skipif(not FONT.exists(), reason="fonts-noto-cjk is not installed")


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return TextReader()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict[str, Path]:
    return make_text_library(tmp_path_factory.mktemp("text-photos"), corpus)


def _text(lines: list[TextLine]) -> str:
    return "\n".join(line.text for line in lines)


def test_chinese_receipt_is_read_with_its_phone_number(reader: TextReader, library: dict[str, Path]) -> None:
    lines = reader.read_file(library["receipt"])
    text = _text(lines)
    assert "发票" in text and "促销活动" in text
    assert "12345678" in re.sub(r"\D", "", text)  # the phone number's last eight digits
    assert all(0.5 <= line.score <= 1.0 for line in lines)


def test_english_sign_is_read(reader: TextReader, library: dict[str, Path]) -> None:
    text = _text(reader.read_file(library["sign"])).lower()
    assert "wifi password" in text and "sunshine" in text


def test_a_photo_without_text_reads_nothing(reader: TextReader, library: dict[str, Path]) -> None:
    assert reader.read_file(library["plain"]) == []


def test_corpus_photo_with_words_in_it(reader: TextReader, library: dict[str, Path]) -> None:
    words = {line.text.lower() for line in reader.read_file(library["arrows"])}
    assert {"left", "right", "bottom"} <= words


def test_boxes_are_where_the_text_is_in_a_large_photo(reader: TextReader, tmp_path: Path, corpus: Path) -> None:
    """A 2400 x 1800 JPEG is detected from a DCT-scaled decode and its boxes cut from a larger one; the boxes,
    as fractions of the photo, surround the card pasted at (1200, 1100)."""
    path = render_text_photo(
        tmp_path / "big.jpg", corpus / "jpg/Nikon_D70.jpg", SIGN, size=(2400, 1800), font_px=90, at=(1200, 1100)
    )
    small, reduced = decode_for_text(path, side=reader.det_side)
    assert reduced and max(small.size) < 2400  # DCT-scaled: never fully decoded for the detector
    lines = reader.read_file(path)
    assert "wifi password" in _text(lines).lower()
    for line in lines:
        xs, ys = [x for x, _ in line.box], [y for _, y in line.box]
        assert min(xs) > 0.45 and max(xs) < 1.0 and min(ys) > 0.55 and max(ys) < 1.0, line


def test_an_image_already_decoded_is_read_as_is(reader: TextReader, library: dict[str, Path]) -> None:
    with Image.open(library["receipt"]) as im:
        lines = reader.read(im.convert("RGB"))
    assert RECEIPT[0] in _text(lines)


def test_text_line_json_round_trip() -> None:
    line = TextLine("发票", ((0.1, 0.2), (0.3, 0.2), (0.3, 0.25), (0.1, 0.25)), 0.97)
    assert TextLine.from_json(line.to_json()) == line
