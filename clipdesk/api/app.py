"""The FastAPI application: bearer-token auth on every request, JSON errors, a streamed body cap, no CORS.

Every path needs the token, /openapi.json included. The schema holds nothing secret (it is the
same for every install), but one rule with no exceptions is easier to trust, and an open path
would let any local process or web page (DNS rebinding) find the server and its version. The
interactive docs pages are off: they would need the schema without a token.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI
from fastapi.security import HTTPBearer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from .context import ApiContext
from .errors import error_response, install_error_handlers
from .models import ErrorResponse
from .routes_labels import labels_router
from .routes_photos import photos_router
from .routes_search import search_router
from .uploads import DEFAULT_MAX_UPLOAD_BYTES

if TYPE_CHECKING:
    from ..engine import Engine
    from .library import ServedLibrary

# Room for the multipart framing and form fields around the largest allowed upload.
BODY_OVERHEAD = 64 * 1024
_ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 404, 413, 415, 422, 503)}


class BearerAuth:
    """Rejects a request without the right token before anything reads its body."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = Headers(scope=scope).get("authorization", "").encode("latin-1", "replace")
            if not secrets.compare_digest(given, self.expected):
                message = "missing or wrong bearer token (`clipdesk serve --show-token` prints it)"
                await error_response(401, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Caps the request body while it streams in: a declared length over the cap is refused before
    reading, and a body that grows past it is cut off there (its answer replaced by a 413)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the request is larger than {self.max_bytes // (1024 * 1024)} MB"
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await error_response(413, message)(scope, receive, send)
            return
        received, exceeded, started = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge()
            return event

        async def guarded_send(event: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app made of the cut-off body, the answer is our 413
            if event["type"] == "http.response.start":
                started = True
            await send(event)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await error_response(413, message)(scope, receive, send)


def create_app(
    engine: Engine,
    token: str,
    *,
    library: ServedLibrary | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> FastAPI:
    """The API over `engine`. `library` (when the server shares the library with another
    process) keeps a follower's index current; the caller owns and closes the engine."""
    if not token:
        raise ValueError("the API needs a token")
    app = FastAPI(
        title="clipdesk",
        version=__version__,
        description="Search your own photo library by meaning. Every request needs `Authorization: Bearer <token>`.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        # Documents the scheme in the schema; BearerAuth enforces it, on every path.
        dependencies=[Depends(HTTPBearer(auto_error=False))],
        responses=_ERRORS,  # type: ignore[arg-type]  # FastAPI's own type is narrower than what it accepts
    )
    context = ApiContext(engine, library, max_upload_bytes)
    install_error_handlers(app)
    for router in (search_router(context), photos_router(context), labels_router(context)):
        app.include_router(router)
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes + BODY_OVERHEAD)
    app.add_middleware(BearerAuth, token=token)  # outermost: nothing is read before the token is checked
    app.state.context = context
    return app
