"""A photo's metadata and thumbnail, by id only (never by path), and the library's status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import FileResponse

from .context import ApiContext
from .errors import ApiError
from .library import FOLLOWER, INDEXER
from .models import Photo, Status
from .routes_search import PHOTO_ID


def photos_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(tags=["photos"])

    def record_of(photo_id: int):
        record = ctx.engine.catalog.images([photo_id]).get(photo_id)
        if record is None:
            raise ApiError(404, f"no photo has id {photo_id}")
        return record

    @router.get("/photos/{photo_id}", response_model=Photo, summary="A photo's metadata")
    def photo(photo_id: Annotated[int, PHOTO_ID]) -> dict:
        record = record_of(photo_id)
        return {
            "id": record.id,
            "path": record.path,
            "size": record.size,
            "width": record.width,
            "height": record.height,
            "taken_at": datetime.fromtimestamp(record.taken_at).isoformat() if record.taken_at else None,
            "format": record.format,
            "status": record.status,
            "error": record.error,
            "offline": record.offline,
            "has_thumbnail": ctx.engine.thumbnail_path(record.content_key) is not None,
            "thumbnail_url": f"/photos/{record.id}/thumbnail",
        }

    @router.get(
        "/photos/{photo_id}/thumbnail",
        response_class=FileResponse,
        responses={200: {"content": {"image/jpeg": {}}, "description": "the thumbnail, JPEG"}},
        summary="A photo's thumbnail (JPEG)",
    )
    def thumbnail(photo_id: Annotated[int, PHOTO_ID]) -> FileResponse:
        # The file is named by the photo's content key from the catalog: a request never names a path.
        record = record_of(photo_id)
        # Made from the photo when missing here (a shared library's photo encoded on another machine).
        path = ctx.engine.thumbnail_path(record.content_key, None if record.offline else record.path)
        if path is None:
            raise ApiError(404, f"photo {photo_id} has no thumbnail here and its file cannot be read now")
        return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    @router.get("/status", response_model=Status, summary="Counts, folders, model and index health")
    def status() -> dict:
        engine = ctx.engine
        ctx.before_read()
        state = engine.status(error_limit=1)  # errors are counted, not listed, here
        model_state, message = "loaded" if engine.encoder.loaded else "not_loaded", None
        if ctx.library is not None and ctx.library.model_error:
            model_state, message = "unavailable", ctx.library.model_error
        role = ctx.library.role if ctx.library is not None else (INDEXER if engine.index_lock.held else FOLLOWER)
        return {
            "data_dir": state.data_dir,
            "model": state.model_id,
            "model_state": model_state,
            "model_message": message,
            "role": role,
            "counts": state.counts,
            "roots": state.roots,
            "index": state.index,
        }

    return router
