"""Which text students may answer queries for which image model, and the check that refuses the rest.

A multilingual student (e.g. sentence-transformers/clip-ViT-B-32-multilingual-v1) is a separate
text encoder distilled to put its sentence vectors where one particular CLIP's text tower puts
them. Only then can its query vectors be compared with that CLIP's stored image vectors; paired
with any other image model its scores are meaningless, yet they would still rank photos. So a
pairing is used only when it is known to be aligned:

  1. the student's output width equals the image model's embedding width (always required); and
  2. either the pair is in KNOWN_PAIRS below, or the student's folder holds a
     `clipdesk_pairing.json` declaring the image model it was distilled for:
         {"image_model": "sentence-transformers/clip-ViT-B-32"}
     ("image_models": [...] names several, e.g. a hub id and the folder it was copied to).

An image model is recognised by its id as clipdesk normalises it (a hub id, or a folder's absolute
path), by the hub id of a hub-cache snapshot folder, or by a folder's name matching the last part of a
known hub id (a copy of "clip-ViT-B-32" in ~/models/clip-ViT-B-32). Anything else is refused with
UnalignedModelsError, which says what to do; nothing is silently mixed.

M-CLIP (M-CLIP/XLM-Roberta-Large-Vit-B-32 etc., students of OpenAI's ViT-B/32 text tower) fits
this table as well, but ships its own model class rather than a sentence-transformers folder; it
needs a loader before it can be listed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..config import normalize_model_id
from .clip import ModelUnavailableError

PAIRING_FILE = "clipdesk_pairing.json"

# Image model (hub id) -> multilingual text students distilled to its text tower, preferred first.
# sentence-transformers/clip-ViT-B-32 holds OpenAI's ViT-B/32 weights, so both ids pair alike.
KNOWN_PAIRS: dict[str, tuple[str, ...]] = {
    "sentence-transformers/clip-ViT-B-32": ("sentence-transformers/clip-ViT-B-32-multilingual-v1",),
    "openai/clip-vit-base-patch32": ("sentence-transformers/clip-ViT-B-32-multilingual-v1",),
}

_SNAPSHOT = re.compile(r"models--([^/\\]+)--([^/\\]+)[/\\]snapshots[/\\]")


class UnalignedModelsError(ModelUnavailableError):
    """The text student was not made for this image model; the message says why and what to do."""


def default_student(image_model: str) -> str | None:
    """The known multilingual student for an image model, or None when none is known."""
    for name in image_model_names(image_model):
        if name in KNOWN_PAIRS:
            return KNOWN_PAIRS[name][0]
    return None


def image_model_names(image_model: str) -> set[str]:
    """The names an image model goes by: its id, the hub id of a hub-cache snapshot, and for a
    folder the known hub id whose last part is the folder's name."""
    return _names(image_model, set(KNOWN_PAIRS))


def student_names(student: str) -> set[str]:
    return _names(student, {s for students in KNOWN_PAIRS.values() for s in students})


def _names(model_id: str, hub_ids: set[str]) -> set[str]:
    names = {model_id}
    if m := _SNAPSHOT.search(model_id.replace("\\", "/")):
        names.add(f"{m[1]}/{m[2]}")
    folder_name = Path(model_id).name.lower()
    names |= {hub_id for hub_id in hub_ids if hub_id.rsplit("/", 1)[-1].lower() == folder_name}
    return names


def declared_image_models(student_folder: Path) -> set[str]:
    """The image models a student folder's clipdesk_pairing.json names (empty without one)."""
    path = Path(student_folder) / PAIRING_FILE
    if not path.is_file():
        return set()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        named = data.get("image_models") or [data["image_model"]]
        return {normalize_model_id(str(n)) for n in named}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnalignedModelsError(
            f"{path} is not a usable pairing declaration ({type(exc).__name__}); it should read "
            '{"image_model": "<the image model id or folder>"}.'
        ) from exc


def check_pairing(image_model: str, image_dim: int, student: str, student_folder: Path, student_dim: int) -> None:
    """Raise UnalignedModelsError unless `student` is known or declared to be aligned with `image_model`."""
    if student_dim != image_dim:
        raise UnalignedModelsError(
            f"The multilingual text model {student} makes {student_dim}-d vectors, but the image model "
            f"{image_model} makes {image_dim}-d ones: they are not in the same space. Use a text model "
            "distilled for this image model (CLIPDESK_MULTILINGUAL_MODEL), or set query languages to English only."
        )
    names = image_model_names(image_model)
    known = {s for name in names for s in KNOWN_PAIRS.get(name, ())}
    if known & student_names(student):
        return
    if names & {n for d in declared_image_models(student_folder) for n in image_model_names(d)}:
        return
    raise UnalignedModelsError(
        f"The multilingual text model {student} is not known to be aligned with the image model {image_model}, "
        "so its query vectors cannot be compared with your photos' vectors. Use the student distilled for this "
        f"image model, or, if {student} was made for it, add a {PAIRING_FILE} to its folder reading "
        f'{{"image_model": "{image_model}"}}.'
    )
