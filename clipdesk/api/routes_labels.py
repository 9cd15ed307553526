"""Zero-shot labels for an uploaded picture, through the engine's label API (the same as `clipdesk
classify` and `clipdesk describe`): probabilities over the caller's labels, or the shipped
vocabulary's best labels (its vectors are computed once per model and kept in the catalog)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from ..labels import CutOff, VocabularyError
from .context import ApiContext
from .errors import ApiError
from .models import Classification, Description
from .uploads import decode_upload

MAX_LABELS = 100
MAX_LABEL_CHARS = 200
MAX_DESCRIBE = 50


def labels_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(tags=["labels"])

    @router.post("/classify", response_model=Classification, summary="Probabilities over your labels")
    def classify(
        image: Annotated[UploadFile, File(description="the picture to classify")],
        labels: Annotated[
            list[str], Form(description="the candidate labels (repeat the field, or one comma-separated value)")
        ],
    ) -> dict:
        names = list(dict.fromkeys(part.strip() for value in labels for part in value.split(",") if part.strip()))
        if not names:
            raise ApiError(400, "labels: give at least one label")
        if len(names) > MAX_LABELS or any(len(n) > MAX_LABEL_CHARS for n in names):
            raise ApiError(400, f"at most {MAX_LABELS} labels of at most {MAX_LABEL_CHARS} characters")
        picture = decode_upload(image, ctx.max_upload_bytes)
        try:
            [scored] = ctx.engine.classify_images([picture], names)
        except VocabularyError as exc:
            raise ApiError(400, f"labels: {exc}") from None
        return {"model": ctx.engine.model_id, "labels": [{"label": n, "probability": p} for n, p in scored]}

    @router.post("/describe", response_model=Description, summary="The vocabulary's best labels for a picture")
    def describe(
        image: Annotated[UploadFile, File(description="the picture to describe")],
        limit: Annotated[int, Form(ge=1, le=MAX_DESCRIBE, description="how many labels")] = 5,
    ) -> dict:
        picture = decode_upload(image, ctx.max_upload_bytes)
        best = ctx.engine.describe_image(picture, limit=limit)
        vocabulary = ctx.engine.labelling.vocabulary()
        floor = CutOff().floor(len(vocabulary))
        return {
            "model": ctx.engine.model_id,
            "vocabulary_version": vocabulary.version,
            "labels": [
                {
                    "id": label.id,
                    "name": label.name,
                    "zh": label.zh,
                    "category": label.category,
                    "probability": label.probability,
                    "tag": label.probability >= floor,
                }
                for label in best
                if not isinstance(label, tuple)  # (text, cosine) pairs come only when texts are given
            ],
        }

    return router
