"""What the middle of the window shows, as a pure function of the app's state.

No widgets here: `choose_screen(AppState)` returns a `Screen` (welcome page, the photos, or an
empty state with its next steps named by action keys), so every case is testable on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

# Action keys an empty state may offer; the window maps them to its slots.
CLEAR_FILTERS = "clear_filters"
CHOOSE_IMAGE = "choose_image"
MANAGE_FOLDERS = "manage_folders"
QUIT = "quit"
USE_ENGLISH = "use_english"  # query languages: English only (the multilingual model cannot be had)
MOVE_DATA = "move_data"  # Library ▸ Move the Data Folder…
OPEN_DATA = "open_data"  # the data folder in the file manager (to free space there)
RETRY_LIBRARY = "retry_library"  # the shared library's server: try again
USE_LOCAL_LIBRARY = "use_local_library"  # the shared library's server: open this computer's library instead


@dataclass(frozen=True)
class AppState:
    view: str = "library"  # library | search
    ready: bool = False  # an engine is open
    failed: str = ""  # the catalog could not be opened: why
    unreachable: str = ""  # the shared library's server cannot be reached: its address (no password)
    retrying: bool = False  # ... and a Retry is under way
    roots: tuple[str, ...] | None = None  # None until the first status arrives
    indexed: int = 0
    pending: int = 0
    indexing: bool = False  # scanning, indexing or paused
    model_state: str = "loading"  # loading | downloading | ready | unavailable
    has_query: bool = False
    searching: bool = False
    error_kind: str = ""  # the last failed search: model | text_model | image | error
    error_text: str = ""
    filters_active: bool = False
    rows: int = 0  # photos the current view has to show
    loading: bool = False  # the view's first page is on its way
    disk: str = "ok"  # the data disk: ok | disk_full | read_only (indexing paused until it can write again)


@dataclass(frozen=True)
class Screen:
    page: str  # welcome | photos | empty
    state: str = ""  # for empty: opening, failed, model, indexing, no_photos, disk_full, no_query, ...
    title: str = ""
    body: str = ""
    actions: tuple[tuple[str, str], ...] = ()  # (button text, action key)
    picture: str = "app"
    busy: bool = False


# Called by its full name so that pyside6-lupdate finds every text with its context.
translate = QCoreApplication.translate


def choose_screen(s: AppState) -> Screen:
    if s.unreachable:
        return _server_unreachable(s)
    if s.failed:
        return Screen(
            "empty",
            "failed",
            translate("EmptyChoice", "Your photo library could not be opened"),
            s.failed,
            ((translate("EmptyChoice", "Quit"), QUIT),),
            "error",
        )
    if s.rows:  # photos to show need no status: the first screen does not wait for the counts
        return Screen("photos")
    if s.ready and s.roots is not None and not s.roots:
        return Screen("welcome")
    if not s.ready or s.roots is None:
        return Screen("empty", "opening", translate("EmptyChoice", "Opening your photo library…"), busy=True)
    if s.indexed == 0:
        return _nothing_indexed(s)
    if s.view == "library":
        return _empty_library(s)
    return _empty_search(s)


def _server_unreachable(s: AppState) -> Screen:
    if s.retrying:
        title = translate("EmptyChoice", "Connecting to the shared library…")
        return Screen("empty", "unreachable", title, s.unreachable, picture="warning", busy=True)
    return Screen(
        "empty",
        "unreachable",
        translate("EmptyChoice", "The shared library's server cannot be reached"),
        translate(
            "EmptyChoice",
            "clipdesk could not connect to {server}. Nothing is lost: your photos and the library are safe. "
            "Start the server or check the address and the network, then retry.",
        ).format(server=s.unreachable),
        (
            (translate("EmptyChoice", "Retry"), RETRY_LIBRARY),
            (translate("EmptyChoice", "Use this computer's library"), USE_LOCAL_LIBRARY),
        ),
        "warning",
    )


def _nothing_indexed(s: AppState) -> Screen:
    if s.disk in ("disk_full", "read_only"):
        return _disk_stopped(s.disk)
    if s.model_state == "unavailable":
        # The banner above offers the fix; the middle of the window explains.
        return Screen(
            "empty",
            "model",
            translate("EmptyChoice", "Waiting for the search model"),
            translate(
                "EmptyChoice",
                "clipdesk needs its CLIP model to index and search your photos. Choose a folder that holds one "
                "(button above), or connect to the internet once and try again.",
            ),
            picture="warning",
        )
    if s.indexing or s.pending:
        body = translate(
            "EmptyChoice",
            "clipdesk is looking at your photos. They appear here as soon as the first ones are indexed; "
            "you can start typing now.",
        )
        if s.model_state == "downloading":
            body = translate("EmptyChoice", "Indexing starts as soon as the search model is ready.")
        return Screen(
            "empty", "indexing", translate("EmptyChoice", "Nothing indexed yet"), body, picture="image", busy=True
        )
    folders = ", ".join(s.roots or ())
    return Screen(
        "empty",
        "no_photos",
        translate("EmptyChoice", "No photos found"),
        translate(
            "EmptyChoice",
            "There are no photos clipdesk can read in {folders}. Add the folder that holds your photos "
            "(JPEG, PNG, HEIC, WebP, TIFF…).",
        ).format(folders=folders),
        ((translate("EmptyChoice", "Manage folders…"), MANAGE_FOLDERS),),
        "folder",
    )


def _disk_stopped(disk: str) -> Screen:
    """Nothing indexed because the data disk cannot be written: not "no photos" (the status bar says it too)."""
    if disk == "read_only":
        title = translate("EmptyChoice", "The data disk is read-only")
        body = translate(
            "EmptyChoice",
            "clipdesk cannot write to the disk that holds its data, so indexing is paused; nothing was lost. "
            "Make that disk writable or move the data folder: indexing resumes by itself.",
        )
    else:
        title = translate("EmptyChoice", "The data disk is full")
        body = translate(
            "EmptyChoice",
            "The disk that holds clipdesk's data has no room left, so indexing is paused; nothing was lost. "
            "Free some space on it or move the data folder: indexing resumes by itself.",
        )
    actions = (
        (translate("EmptyChoice", "Move the Data Folder…"), MOVE_DATA),
        (translate("EmptyChoice", "Open the Data Folder"), OPEN_DATA),
    )
    return Screen("empty", disk, title, body, actions, "warning")


def _empty_library(s: AppState) -> Screen:
    if s.loading:
        return Screen("empty", "loading", translate("EmptyChoice", "Loading your photos…"), busy=True, picture="image")
    if s.filters_active:
        return Screen(
            "empty",
            "no_results",
            translate("EmptyChoice", "No photos here"),
            translate("EmptyChoice", "No photo matches the current folder and date filters."),
            ((translate("EmptyChoice", "Clear filters"), CLEAR_FILTERS),),
            "image",
        )
    return Screen("empty", "loading", translate("EmptyChoice", "Loading your photos…"), busy=True, picture="image")


def _empty_search(s: AppState) -> Screen:
    indexed = s.indexed
    if not s.has_query:
        return Screen(
            "empty",
            "no_query",
            translate("EmptyChoice", "What are you looking for?"),
            translate(
                "EmptyChoice",
                "Describe a photo in a few words, like “birthday cake” or “red car in the snow”, or drop a photo "
                "here to find ones like it. Photos ready to search: %Ln.",
                "",
                indexed,
            ),
            ((translate("EmptyChoice", "Search by image…"), CHOOSE_IMAGE),),
            "search",
        )
    if s.searching:
        return Screen("empty", "searching", translate("EmptyChoice", "Searching…"), busy=True, picture="search")
    if s.error_kind == "model":
        return Screen(
            "empty",
            "model",
            translate("EmptyChoice", "Text search needs the search model"),
            translate(
                "EmptyChoice",
                "The model could not be loaded, so words cannot be matched to photos yet. Choose a model folder "
                "(button above). Meanwhile, dropping a photo that is already indexed here still finds similar ones.",
            ),
            picture="warning",
        )
    if s.error_kind == "text_model":
        return Screen(
            "empty",
            "text_model",
            translate("EmptyChoice", "This search needs the multilingual text model"),
            s.error_text,
            ((translate("EmptyChoice", "Search in English only"), USE_ENGLISH),),
            "warning",
        )
    if s.error_kind == "image":
        return Screen(
            "empty",
            "bad_image",
            translate("EmptyChoice", "That image could not be read"),
            s.error_text,
            ((translate("EmptyChoice", "Search by another image…"), CHOOSE_IMAGE),),
            "image",
        )
    if s.filters_active:
        return Screen(
            "empty",
            "no_results",
            translate("EmptyChoice", "No matches"),
            translate("EmptyChoice", "No photo matches with the current folder and date filters."),
            ((translate("EmptyChoice", "Clear filters"), CLEAR_FILTERS),),
            "search",
        )
    return Screen(
        "empty",
        "no_results",
        translate("EmptyChoice", "No matches"),
        translate("EmptyChoice", "Try other words, or search with a photo."),
        picture="search",
    )
