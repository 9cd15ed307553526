"""Zero-shot labels for an uploaded picture: probabilities over the caller's labels, or the best
labels of the shipped vocabulary (clipdesk.labels)."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, File, Form, UploadFile

from ..labels import CutOff, VocabularyError, from_names, label_vectors, probabilities
from .context import ApiContext
from .errors import ApiError
from .models import Classification, Description
from .uploads import decode_upload

MAX_LABELS = 100
MAX_LABEL_CHARS = 200
MAX_DESCRIBE = 50


def labels_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(tags=["labels"])

    def image_vector(upload: UploadFile) -> np.ndarray:
        picture = decode_upload(upload, ctx.max_upload_bytes)
        ctx.engine.load_model()
        return ctx.engine.encoder.encode_images([picture])[0]

    @router.post("/classify", response_model=Classification, summary="Probabilities over your labels")
    def classify(
        image: Annotated[UploadFile, File(description="the picture to classify")],
        labels: Annotated[
            list[str], Form(description="the candidate labels (repeat the field, or one comma-separated value)")
        ],
    ) -> dict:
        names = [part.strip() for value in labels for part in value.split(",") if part.strip()]
        if len(names) > MAX_LABELS or any(len(n) > MAX_LABEL_CHARS for n in names):
            raise ApiError(400, f"at most {MAX_LABELS} labels of at most {MAX_LABEL_CHARS} characters")
        try:
            vocabulary = from_names(names)
        except VocabularyError as exc:
            raise ApiError(400, f"labels: {exc}") from None
        vector = image_vector(image)
        vectors = label_vectors(ctx.engine.encoder, vocabulary)
        probs = probabilities(vector, vectors)[0]
        order = np.argsort(-probs, kind="stable")
        return {
            "model": ctx.engine.model_id,
            "labels": [{"label": vocabulary.ids[i], "probability": float(probs[i])} for i in order],
        }

    @router.post("/describe", response_model=Description, summary="The vocabulary's best labels for a picture")
    def describe(
        image: Annotated[UploadFile, File(description="the picture to describe")],
        limit: Annotated[int, Form(ge=1, le=MAX_DESCRIBE, description="how many labels")] = 5,
    ) -> dict:
        vector = image_vector(image)
        vocabulary, vectors = ctx.vocabulary()
        probs = probabilities(vector, vectors)[0]
        floor = CutOff().floor(len(vocabulary))
        best = np.argsort(-probs, kind="stable")[:limit]
        return {
            "model": ctx.engine.model_id,
            "vocabulary_version": vocabulary.version,
            "labels": [
                {
                    "id": vocabulary.labels[i].id,
                    "name": vocabulary.labels[i].en,
                    "category": vocabulary.labels[i].category,
                    "probability": float(probs[i]),
                    "tag": bool(probs[i] >= floor),
                }
                for i in best
            ],
        }

    return router
