"""Photos with real text for the OCR tests: lines rendered with Debian's Noto CJK font on a card, rotated a
little, pasted onto a real photo from the shared corpus (copied, never changed in place)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

RECEIPT = ("发票", "促销活动", "电话 138-1234-5678")  # a Chinese receipt with a phone number
SIGN = ("WiFi Password", "SUNSHINE 2024")  # an English sign
BACKGROUND_OF = {"receipt": "jpg/Canon_40D.jpg", "sign": "jpg/Nikon_D70.jpg"}
PLAIN = "jpg/Pentax_K10D.jpg"  # no text in it


def render_text_photo(
    dest: Path,
    background: Path,
    lines: tuple[str, ...],
    size: tuple[int, int] = (640, 480),
    font_px: int = 30,
    angle: float = 4.0,
    at: tuple[int, int] = (70, 90),
) -> Path:
    """A photo (`background`, cropped to `size`) with a card holding `lines`, turned by `angle` degrees."""
    with Image.open(background) as im:
        photo = im.convert("RGB")
    photo.thumbnail((size[0] * 2, size[1] * 2))
    photo = photo.resize(size)
    font = ImageFont.truetype(str(FONT), font_px)
    widths = [font.getbbox(line)[2] for line in lines]
    card_size = (max(widths) + font_px, int(len(lines) * font_px * 1.5 + font_px * 0.6))
    card = Image.new("RGBA", card_size, (250, 248, 240, 255))
    draw = ImageDraw.Draw(card)
    for i, line in enumerate(lines):
        draw.text((font_px // 2, font_px // 3 + i * font_px * 1.5), line, font=font, fill=(25, 25, 30, 255))
    card = card.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    photo.paste(card, at, card)
    dest.parent.mkdir(parents=True, exist_ok=True)
    photo.save(dest, quality=92)
    return dest


def make_text_library(folder: Path, corpus: Path) -> dict[str, Path]:
    """receipt (Chinese + phone), sign (English), plain (a corpus photo without text), arrows (a corpus
    photo with English words in it: left / right / bottom)."""
    import shutil

    made = {
        "receipt": render_text_photo(folder / "receipt.jpg", corpus / BACKGROUND_OF["receipt"], RECEIPT, angle=-3.5),
        "sign": render_text_photo(folder / "sign.jpg", corpus / BACKGROUND_OF["sign"], SIGN, font_px=34),
        "plain": folder / "plain.jpg",
        "arrows": folder / "arrows.jpg",
    }
    shutil.copyfile(corpus / PLAIN, made["plain"])
    shutil.copyfile(corpus / "jpg/orientation/landscape_3.jpg", made["arrows"])
    return made
