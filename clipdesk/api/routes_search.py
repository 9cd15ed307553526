"""Search: by text (GET), by an uploaded picture and/or text (POST, multipart), and photos like a library photo."""

# No `from __future__ import annotations` here: FastAPI reads these signatures at runtime, and
# the filters dependency is a closure over the router's context, out of reach of string annotations.
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile

from ..search import Filters, SearchPage, SearchRequest
from .context import MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS, ApiContext, filters_from, hit_json
from .errors import ApiError
from .models import SearchResults
from .uploads import decode_upload

PHOTO_ID = Path(ge=1, le=2**63 - 1, description="a photo's id, as search results give it")
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="skip this many results (paging)")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="results per page")]
LABEL_HELP = "only photos already tagged with this label (id, English or Chinese name); alone: that label's photos"


def page_json(page: SearchPage, limit: int) -> dict:
    return {
        "results": [hit_json(hit) for hit in page.hits],
        "offset": page.offset,
        "has_more": page.has_more,
        "next_offset": page.offset + limit if page.has_more else None,
    }


def search_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter(tags=["search"])

    def label_id(name: str | None) -> str | None:
        if not name:
            return None
        label = ctx.engine.find_label(name)
        if label is None:
            raise ApiError(400, f"no label called {name[:100]!r}")
        return label.id

    def query_filters(
        folder: Annotated[list[str] | None, Query(description="only photos under this folder (repeatable)")] = None,
        date_from: Annotated[date | None, Query(description="taken on or after this day (YYYY-MM-DD)")] = None,
        date_to: Annotated[date | None, Query(description="taken on or before this day (YYYY-MM-DD)")] = None,
        format: Annotated[list[str] | None, Query(description="only this file type: jpeg, heif, png...")] = None,
        label: Annotated[str | None, Query(max_length=200, description=LABEL_HELP)] = None,
    ) -> Filters:
        return filters_from(folder or [], date_from, date_to, format or [], label_id(label))

    def run(request: SearchRequest) -> dict:
        ctx.before_read()
        return page_json(ctx.engine.search(request), request.limit)

    @router.get("/search", response_model=SearchResults, summary="Search by text (or list a label's photos)")
    def search_text(
        filters: Annotated[Filters, Depends(query_filters)],
        q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description='"-word" pushes matches down')] = "",
        offset: Offset = 0,
        limit: Limit = 20,
    ) -> dict:
        if not q.strip() and not filters.label:
            raise ApiError(400, "the query is blank: say what to look for (q), or give a label")
        return run(SearchRequest(text=q, limit=limit, offset=offset, filters=filters))

    @router.post("/search", response_model=SearchResults, summary="Search by an uploaded picture, text, or both")
    def search_upload(
        image: Annotated[UploadFile | None, File(description="an example picture")] = None,
        q: Annotated[str, Form(max_length=MAX_QUERY_CHARS)] = "",
        text_weight: Annotated[float, Form(ge=0.0, le=1.0, description="weight of the text when both")] = 0.5,
        offset: Annotated[int, Form(ge=0, le=MAX_OFFSET)] = 0,
        limit: Annotated[int, Form(ge=1, le=MAX_LIMIT)] = 20,
        folder: Annotated[list[str] | None, Form()] = None,
        date_from: Annotated[date | None, Form()] = None,
        date_to: Annotated[date | None, Form()] = None,
        format: Annotated[list[str] | None, Form()] = None,
        label: Annotated[str | None, Form(max_length=200, description=LABEL_HELP)] = None,
    ) -> dict:
        filters = filters_from(folder or [], date_from, date_to, format or [], label_id(label))
        picture = decode_upload(image, ctx.max_upload_bytes) if image is not None else None
        if picture is None and not q.strip() and not filters.label:
            raise ApiError(400, "give some text (q), an image, a label, or several")
        request = SearchRequest(
            text=q, image=picture, text_weight=text_weight, limit=limit, offset=offset, filters=filters
        )
        return run(request)

    @router.get("/photos/{photo_id}/similar", response_model=SearchResults, summary="Photos like a library photo")
    def similar(
        photo_id: Annotated[int, PHOTO_ID],
        filters: Annotated[Filters, Depends(query_filters)],
        offset: Offset = 0,
        limit: Limit = 20,
    ) -> dict:
        ctx.before_read()
        if ctx.engine.catalog.embedding_of(photo_id) is None:
            raise ApiError(404, f"no indexed photo has id {photo_id}")
        # The photo itself (always the best match) is left out: ask for one more from the top, then drop it.
        full = SearchRequest(image=photo_id, limit=offset + limit + 1, offset=0, filters=filters)
        try:
            page = ctx.engine.search(full)
        except LookupError:
            raise ApiError(404, f"no indexed photo has id {photo_id}") from None
        others = [hit for hit in page.hits if hit.id != photo_id]
        has_more = page.has_more or len(others) > offset + limit
        return page_json(SearchPage(others[offset : offset + limit], offset, has_more), limit)

    return router
