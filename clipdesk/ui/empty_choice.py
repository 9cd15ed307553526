"""What the middle of the window shows, as a pure function of the app's state.

No widgets here: `choose_screen(AppState)` returns a `Screen` (welcome page, the photos, or an
empty state with its next steps named by action keys), so every case is testable on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QLocale

# Action keys an empty state may offer; the window maps them to its slots.
CLEAR_FILTERS = "clear_filters"
CHOOSE_IMAGE = "choose_image"
MANAGE_FOLDERS = "manage_folders"
QUIT = "quit"


@dataclass(frozen=True)
class AppState:
    view: str = "library"  # library | search
    ready: bool = False  # an engine is open
    failed: str = ""  # the catalog could not be opened: why
    roots: tuple[str, ...] | None = None  # None until the first status arrives
    indexed: int = 0
    pending: int = 0
    indexing: bool = False  # scanning, indexing or paused
    model_state: str = "loading"  # loading | downloading | ready | unavailable
    has_query: bool = False
    searching: bool = False
    error_kind: str = ""  # the last failed search: model | image | error
    error_text: str = ""
    filters_active: bool = False
    rows: int = 0  # photos the current view has to show
    loading: bool = False  # the view's first page is on its way


@dataclass(frozen=True)
class Screen:
    page: str  # welcome | photos | empty
    state: str = ""  # for empty: opening, failed, model, indexing, no_photos, no_query, searching, ...
    title: str = ""
    body: str = ""
    actions: tuple[tuple[str, str], ...] = ()  # (button text, action key)
    picture: str = "app"
    busy: bool = False


def _tr(text: str) -> str:
    return QCoreApplication.translate("EmptyChoice", text)


def choose_screen(s: AppState) -> Screen:
    if s.failed:
        return Screen(
            "empty", "failed", _tr("Your photo library could not be opened"), s.failed, ((_tr("Quit"), QUIT),), "error"
        )
    if s.rows:  # photos to show need no status: the first screen does not wait for the counts
        return Screen("photos")
    if s.ready and s.roots is not None and not s.roots:
        return Screen("welcome")
    if not s.ready or s.roots is None:
        return Screen("empty", "opening", _tr("Opening your photo library…"), busy=True)
    if s.indexed == 0:
        return _nothing_indexed(s)
    if s.view == "library":
        return _empty_library(s)
    return _empty_search(s)


def _nothing_indexed(s: AppState) -> Screen:
    if s.model_state == "unavailable":
        # The banner above offers the fix; the middle of the window explains.
        return Screen(
            "empty",
            "model",
            _tr("Waiting for the search model"),
            _tr(
                "clipdesk needs its CLIP model to index and search your photos. Choose a folder that holds one "
                "(button above), or connect to the internet once and try again."
            ),
            picture="warning",
        )
    if s.indexing or s.pending:
        body = _tr(
            "clipdesk is looking at your photos. They appear here as soon as the first ones are indexed; "
            "you can start typing now."
        )
        if s.model_state == "downloading":
            body = _tr("Indexing starts as soon as the search model is ready.")
        return Screen("empty", "indexing", _tr("Nothing indexed yet"), body, picture="image", busy=True)
    folders = ", ".join(s.roots or ())
    return Screen(
        "empty",
        "no_photos",
        _tr("No photos found"),
        _tr(
            "There are no photos clipdesk can read in {folders}. Add the folder that holds your photos "
            "(JPEG, PNG, HEIC, WebP, TIFF…)."
        ).format(folders=folders),
        ((_tr("Manage folders…"), MANAGE_FOLDERS),),
        "folder",
    )


def _empty_library(s: AppState) -> Screen:
    if s.loading:
        return Screen("empty", "loading", _tr("Loading your photos…"), busy=True, picture="image")
    if s.filters_active:
        return Screen(
            "empty",
            "no_results",
            _tr("No photos here"),
            _tr("No photo matches the current folder and date filters."),
            ((_tr("Clear filters"), CLEAR_FILTERS),),
            "image",
        )
    return Screen("empty", "loading", _tr("Loading your photos…"), busy=True, picture="image")


def _empty_search(s: AppState) -> Screen:
    if not s.has_query:
        return Screen(
            "empty",
            "no_query",
            _tr("What are you looking for?"),
            _tr(
                "Describe a photo in a few words, like “birthday cake” or “red car in the snow”, or drop a photo "
                "here to find ones like it. {n} photos are ready to search."
            ).format(n=QLocale().toString(s.indexed)),
            ((_tr("Search by image…"), CHOOSE_IMAGE),),
            "search",
        )
    if s.searching:
        return Screen("empty", "searching", _tr("Searching…"), busy=True, picture="search")
    if s.error_kind == "model":
        return Screen(
            "empty",
            "model",
            _tr("Text search needs the search model"),
            _tr(
                "The model could not be loaded, so words cannot be matched to photos yet. Choose a model folder "
                "(button above). Meanwhile, dropping a photo that is already indexed here still finds similar ones."
            ),
            picture="warning",
        )
    if s.error_kind == "image":
        return Screen(
            "empty",
            "bad_image",
            _tr("That image could not be read"),
            s.error_text,
            ((_tr("Search by another image…"), CHOOSE_IMAGE),),
            "image",
        )
    if s.filters_active:
        return Screen(
            "empty",
            "no_results",
            _tr("No matches"),
            _tr("No photo matches with the current folder and date filters."),
            ((_tr("Clear filters"), CLEAR_FILTERS),),
            "search",
        )
    return Screen(
        "empty", "no_results", _tr("No matches"), _tr("Try other words, or search with a photo."), picture="search"
    )
