"""The API's response shapes (they make /openapi.json say what each endpoint returns)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. not_found, model_unavailable")
    message: str = Field(description="what went wrong, for a person")


class ErrorResponse(BaseModel):
    error: ErrorBody


class Hit(BaseModel):
    id: int
    path: str
    score: float
    taken_at: str | None = Field(description="when the photo was taken (ISO 8601, local time), if known")
    width: int | None
    height: int | None
    format: str | None
    offline: bool = Field(description="its folder is not reachable right now (unplugged drive)")
    thumbnail_url: str


class SearchResults(BaseModel):
    results: list[Hit]
    offset: int
    has_more: bool
    next_offset: int | None = Field(description="offset of the next page, or null on the last one")


class Photo(BaseModel):
    id: int
    path: str
    size: int
    width: int | None
    height: int | None
    taken_at: str | None
    format: str | None
    status: str = Field(description="indexed, pending or error")
    error: str | None
    offline: bool
    has_thumbnail: bool
    thumbnail_url: str


class LabelProbability(BaseModel):
    label: str
    probability: float


class Classification(BaseModel):
    model: str
    labels: list[LabelProbability] = Field(description="every given label, most likely first; sums to 1")


class DescribedLabel(BaseModel):
    id: str
    name: str
    zh: str = Field(description="Simplified Chinese name")
    category: str
    probability: float
    tag: bool = Field(description="passes the tagging cut-off (the model clearly prefers it)")


class Description(BaseModel):
    model: str
    vocabulary_version: str
    labels: list[DescribedLabel]


class Status(BaseModel):
    data_dir: str
    model: str
    model_state: str = Field(description="loaded, not_loaded or unavailable")
    model_message: str | None
    role: str = Field(description="indexer (this server indexes and watches) or follower (another process does)")
    counts: dict[str, int]
    roots: list[dict[str, Any]]
    index: dict[str, Any]
