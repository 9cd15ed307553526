"""Randomly initialised CLIP models saved the way real ones are, for tests and benchmarks.

Pretrained weights cannot be downloaded everywhere clipdesk is developed, so tests load a
tiny random CLIP and benchmarks the full-size ViT-B/32 architecture (same speed as the
real model) through exactly the code path users get.
"""

from __future__ import annotations

import json
from pathlib import Path

_SPECIAL = ["<|startoftext|>", "<|endoftext|>"]


def _write_vocab(folder: Path) -> tuple[Path, Path]:
    # Byte-level BPE with one token per character (and its end-of-word form): tiny but real.
    vocab: dict[str, int] = {tok: i for i, tok in enumerate(_SPECIAL)}
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789-'!?.,":
        vocab.setdefault(ch, len(vocab))
        vocab.setdefault(ch + "</w>", len(vocab))
    vocab_path, merges_path = folder / "vocab.json", folder / "merges.txt"
    vocab_path.write_text(json.dumps(vocab))
    merges_path.write_text("#version: 0.2\n")
    return vocab_path, merges_path


def build_random_clip(folder: str | Path, size: str = "tiny", seed: int = 0) -> Path:
    """Save a random CLIP (model + tokenizer + image processor) into `folder`.

    size="tiny": a few hundred KB, loads in well under a second.
    size="vit-b-32": the ViT-B/32 architecture of sentence-transformers/clip-ViT-B-32."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    build = folder / ".vocab"
    build.mkdir(exist_ok=True)
    vocab_path, merges_path = _write_vocab(build)
    tokenizer = CLIPTokenizer(str(vocab_path), str(merges_path))
    vocab_size = len(tokenizer)
    special = {"bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 1}
    if size == "tiny":
        config = CLIPConfig(
            text_config=dict(
                vocab_size=vocab_size,
                hidden_size=32,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=2,
                max_position_embeddings=77,
                **special,
            ),
            vision_config=dict(
                hidden_size=32,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=2,
                image_size=32,
                patch_size=8,
            ),
            projection_dim=16,
        )
        image_size = 32
    elif size == "vit-b-32":
        config = CLIPConfig(
            text_config=dict(
                vocab_size=49408,
                hidden_size=512,
                intermediate_size=2048,
                num_hidden_layers=12,
                num_attention_heads=8,
                max_position_embeddings=77,
                **special,
            ),
            vision_config=dict(
                hidden_size=768,
                intermediate_size=3072,
                num_hidden_layers=12,
                num_attention_heads=12,
                image_size=224,
                patch_size=32,
            ),
            projection_dim=512,
        )
        image_size = 224
    else:
        raise ValueError(f"unknown size {size!r}")
    torch.manual_seed(seed)
    model = CLIPModel(config).eval()
    image_processor = CLIPImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(folder)
    for leftover in build.iterdir():
        leftover.unlink()
    build.rmdir()
    return folder


# A small WordPiece vocabulary for the random multilingual student: letters and digits (so any
# Latin word tokenizes into pieces), a few hundred whole words in several languages, and common
# Chinese characters (BERT tokenizers split CJK text into single characters).
_STUDENT_WORD_TEXT = (
    "a the of on in at with and or to for photo picture dog cat beach sea sunset mountain snow tree forest "
    "city street car bicycle bike red blue green yellow black white child children kid kids people person "
    "man woman family friends party birthday cake food dinner breakfast coffee flower flowers garden park "
    "river lake boat train plane sky cloud clouds night day summer winter spring autumn christmas screenshot "
    "iphone phone house home room kitchen window door book music concert wedding baby beer wine bird horse "
    "la le les de des du un une et sur avec plage chat chien mer montagne neige fleur voiture "
    "el los las del con y perro gato playa mar montaña nieve flor coche "
    "der die das und mit im am hund katze strand meer berg schnee blume auto "
    "il lo gli della con cane gatto spiaggia mare il di e "
    "o os as do da com praia cão gato "
)
_STUDENT_CHINESE = (
    "的一是不了人我在有他这中大来上个国和们到说时地为子也年月日天海边滩山雪树林城市街道车自行红蓝绿黄黑白"
    "孩儿童家庭朋友聚会生蛋糕食物晚饭早餐咖啡花园公河湖船火飞机空云夜夏冬春秋圣诞截图手房屋厨窗门书音乐婚礼"
    "宝鸟马狗猫照片猫咪日落前去今周昨节假期旅行游"
)


def _write_wordpiece_vocab(path: Path) -> None:
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    letters = "abcdefghijklmnopqrstuvwxyz0123456789àâçéèêëîïôûùüÿñäöß"
    tokens += list(letters) + ["##" + ch for ch in letters] + list("-'!?.,:;\"()")
    tokens += list(dict.fromkeys(_STUDENT_WORD_TEXT.split()))
    tokens += list(dict.fromkeys(_STUDENT_CHINESE))
    path.write_text("\n".join(dict.fromkeys(tokens)) + "\n", encoding="utf-8")


def build_random_student(
    folder: str | Path,
    output_dim: int,
    size: str = "tiny",
    seed: int = 0,
    image_model: str | None = None,
) -> Path:
    """Save a random multilingual text student the way sentence-transformers/clip-ViT-B-32-multilingual-v1
    is laid out: a DistilBERT `Transformer`, mean `Pooling`, and a bias-free linear `Dense` to
    `output_dim` (the image model's embedding width).

    size="tiny": a few hundred KB. size="full": multilingual DistilBERT's shape (6 layers, 768 wide,
    a 119,547-token embedding table) + Dense 768->512: the real student's speed, not its vocabulary.
    `image_model`: write a `clipdesk_pairing.json` declaring the student was made for that image
    model (clipdesk refuses an undeclared pairing it does not know)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense, Pooling, Transformer
    from transformers import DistilBertConfig, DistilBertModel, DistilBertTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    build = folder / ".transformer"
    build.mkdir(exist_ok=True)
    _write_wordpiece_vocab(build / "vocab.txt")
    tokenizer = DistilBertTokenizerFast(str(build / "vocab.txt"), do_lower_case=True, tokenize_chinese_chars=True)
    if size == "tiny":
        config = DistilBertConfig(
            vocab_size=len(tokenizer), dim=32, hidden_dim=64, n_layers=2, n_heads=2, max_position_embeddings=128
        )
    elif size == "full":
        config = DistilBertConfig(
            vocab_size=119547, dim=768, hidden_dim=3072, n_layers=6, n_heads=12, max_position_embeddings=512
        )
    else:
        raise ValueError(f"unknown size {size!r}")
    torch.manual_seed(seed)
    DistilBertModel(config).save_pretrained(build)
    tokenizer.save_pretrained(build)
    transformer = Transformer(str(build), max_seq_length=128)
    dense = Dense(config.dim, output_dim, bias=False, activation_function=torch.nn.Identity())
    model = SentenceTransformer(modules=[transformer, Pooling(config.dim, "mean"), dense], device="cpu")
    model.save(str(folder))
    for leftover in sorted(build.iterdir(), reverse=True):
        leftover.unlink()
    build.rmdir()
    if image_model is not None:
        (folder / "clipdesk_pairing.json").write_text(json.dumps({"image_model": image_model}, indent=2) + "\n")
    return folder
