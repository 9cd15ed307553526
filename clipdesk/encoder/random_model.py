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
