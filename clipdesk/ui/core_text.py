"""The core's messages in the user's language.

The core never imports Qt and speaks English (the CLI prints its messages as they are). The app
recognises the messages people meet most (an unplugged drive, a folder that cannot be added, the
model that cannot be had, a catalog on a full disk...) by their wording and shows them through
Qt's translations; anything it does not recognise is shown as the core wrote it.
tests/ui/test_translations.py builds each message with the core's own code, so a change of
wording there fails a test instead of silently falling back to English.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

# Called by its full name so that pyside6-lupdate finds every text with its context.
translate = QCoreApplication.translate


def _patterns() -> list[tuple[re.Pattern[str], Callable[[], str]]]:
    """(the core's wording, the translated template); named groups fill the template."""
    table: list[tuple[str, Callable[[], str]]] = [
        (
            r"(?P<path>.+) is not reachable \(unplugged or unmounted\?\); its photos are kept\.",
            lambda: translate("CoreText", "{path} is not reachable (unplugged or unmounted?); its photos are kept."),
        ),
        (r"(?P<path>.+) does not exist\.", lambda: translate("CoreText", "{path} does not exist.")),
        (r"(?P<path>.+) is not a folder\.", lambda: translate("CoreText", "{path} is not a folder.")),
        (
            r"(?P<path>.+) cannot be read \(permission denied\)\.",
            lambda: translate("CoreText", "{path} cannot be read (permission denied)."),
        ),
        (
            r"(?P<path>.+) is already included in the watched folder (?P<root>.+)\.",
            lambda: translate("CoreText", "{path} is already included in the watched folder {root}."),
        ),
        (r"(?P<path>.+) is not a watched folder\.", lambda: translate("CoreText", "{path} is not a watched folder.")),
        (r"Cannot watch (?P<path>.+?): (?P<error>.+)", lambda: translate("CoreText", "Cannot watch {path}: {error}")),
        (
            r"The system limit on watched folders was reached while watching (?P<path>.+); checking it by polling "
            r"instead \(raise fs\.inotify\.max_user_watches to avoid this\)\.",
            lambda: translate(
                "CoreText",
                "The system limit on watched folders was reached while watching {path}; checking it by polling "
                "instead (raise fs.inotify.max_user_watches to avoid this).",
            ),
        ),
        (
            r"Too many file changes at once; rescanning the folders\.",
            lambda: translate("CoreText", "Too many file changes at once; rescanning the folders."),
        ),
        (
            r"The search index stopped unexpectedly; it is being reloaded\.",
            lambda: translate("CoreText", "The search index stopped unexpectedly; it is being reloaded."),
        ),
        (
            r"Indexing stopped by an unexpected error: (?P<error>.+)",
            lambda: translate("CoreText", "Indexing stopped by an unexpected error: {error}"),
        ),
        # The search model.
        (
            r"The CLIP model '(?P<model>.+)' is not on this computer and could not be downloaded \((?P<reason>.*)\)\. "
            r"Connect to the internet once .*",
            lambda: translate(
                "CoreText",
                "The CLIP model “{model}” is not on this computer and could not be downloaded ({reason}). Connect "
                "to the internet once so clipdesk can fetch it (about 600 MB, kept afterwards), or choose a model "
                "folder you already have.",
            ),
        ),
        (
            r"The model folder (?P<path>.+) does not exist\. Choose a folder .*",
            lambda: translate(
                "CoreText", "The model folder {path} does not exist. Choose a folder that holds a CLIP model."
            ),
        ),
        (
            r"The folder (?P<path>.+) does not hold a usable CLIP model \((?P<error>.*)\)\. .*",
            lambda: translate("CoreText", "The folder {path} does not hold a usable CLIP model ({error})."),
        ),
        # The multilingual text model.
        (
            r"No multilingual text model is known for the image model (?P<model>.+?), so only English .*",
            lambda: translate(
                "CoreText",
                "No multilingual text model is known for the image model {model}, so only English queries can be "
                "answered. Set the query languages to English only, or set CLIPDESK_MULTILINGUAL_MODEL to a text "
                "model made for it.",
            ),
        ),
        (
            r"The multilingual text model '(?P<model>.+)' is not on this computer and could not be downloaded "
            r"\((?P<reason>.*)\)\. .*",
            lambda: translate(
                "CoreText",
                "The multilingual text model “{model}” is not on this computer and could not be downloaded "
                "({reason}). Connect to the internet once so clipdesk can fetch it (about 540 MB, kept "
                "afterwards). English queries keep working meanwhile.",
            ),
        ),
        (
            r"The multilingual text model folder (?P<path>.+) does not exist\..*",
            lambda: translate(
                "CoreText",
                "The multilingual text model folder {path} does not exist. English queries keep working meanwhile.",
            ),
        ),
        (
            r"The folder (?P<path>.+) does not hold a usable sentence-transformers text model \((?P<error>.*)\)\..*",
            lambda: translate(
                "CoreText",
                "The folder {path} does not hold a usable multilingual text model ({error}). English queries keep "
                "working meanwhile.",
            ),
        ),
        # Why a file could not be read (clipdesk.imaging.decode, clipdesk.pipeline.scan): the errors list.
        (r"empty file \(0 bytes\)", lambda: translate("CoreText", "empty file (0 bytes)")),
        (
            r"not an image, or a format clipdesk cannot read",
            lambda: translate("CoreText", "not an image, or a format clipdesk cannot read"),
        ),
        (r"permission denied", lambda: translate("CoreText", "permission denied")),
        (
            r"file disappeared before it could be read",
            lambda: translate("CoreText", "file disappeared before it could be read"),
        ),
        (r"is a folder, not an image file", lambda: translate("CoreText", "is a folder, not an image file")),
        (
            r"the file is truncated \(incomplete download or copy\?\)",
            lambda: translate("CoreText", "the file is truncated (incomplete download or copy?)"),
        ),
        (
            r"corrupt or unreadable image data: (?P<error>.*)",
            lambda: translate("CoreText", "corrupt or unreadable image data: {error}"),
        ),
        (
            r"image too large to decode safely \((?P<error>.*)\)",
            lambda: translate("CoreText", "image too large to decode safely ({error})"),
        ),
        (
            r"not enough memory to decode this image",
            lambda: translate("CoreText", "not enough memory to decode this image"),
        ),
        (
            r"the decoder crashed on this file \((?P<error>.*)\)",
            lambda: translate("CoreText", "the decoder crashed on this file ({error})"),
        ),
        (
            r"broken symbolic link \(its target is missing\)",
            lambda: translate("CoreText", "broken symbolic link (its target is missing)"),
        ),
        # The data disk (clipdesk.datadisk, clipdesk.engine.safety), word for word; in the app, the data
        # folder moves from the Library menu rather than with `clipdesk move-data`.
        (
            r"The disk holding clipdesk's data \((?P<path>.+)\) is full: indexing paused, nothing was lost; free "
            r"(?P<mb>\d+) MB or move the data folder \(clipdesk move-data DEST\)\.",
            lambda: translate(
                "CoreText",
                "The disk holding clipdesk's data ({path}) is full: indexing paused, nothing was lost; free {mb} MB "
                "or move the data folder (Library ▸ Move the Data Folder…).",
            ),
        ),
        (
            r"The disk holding clipdesk's data \((?P<path>.+)\) is read-only: indexing paused, nothing was lost; "
            r"make it writable or move the data folder \(clipdesk move-data DEST\)\.",
            lambda: translate(
                "CoreText",
                "The disk holding clipdesk's data ({path}) is read-only: indexing paused, nothing was lost; make it "
                "writable or move the data folder (Library ▸ Move the Data Folder…).",
            ),
        ),
        (
            r"The data disk has room again: indexing resumed\.",
            lambda: translate("CoreText", "The data disk has room again: indexing resumed."),
        ),
        (
            r"The catalog could not be backed up: (?P<error>.*)",
            lambda: translate("CoreText", "The catalog could not be backed up: {error}"),
        ),
        # The catalog (clipdesk.catalog.errors), word for word: advice that changes there must change here.
        (
            r"(?:CatalogError: )?The disk holding the catalog \((?P<path>.+)\) is full: free some space and try "
            r"again; nothing was lost\.",
            lambda: translate(
                "CoreText",
                "The disk holding the catalog ({path}) is full: free some space and try again; nothing was lost.",
            ),
        ),
        (
            r"(?:CatalogError: )?The catalog \((?P<path>.+)\) is on a read-only disk or folder: make it writable, or "
            r"choose another data folder with --data-dir; nothing was lost\.",
            lambda: translate(
                "CoreText",
                "The catalog ({path}) is on a read-only disk or folder: make it writable, or choose another data "
                "folder with --data-dir; nothing was lost.",
            ),
        ),
        (
            r"(?:CatalogError: )?The catalog file (?P<path>.+) is damaged and cannot be read\. Your photos are "
            r"untouched\. Run `clipdesk recover --from-backup` to restore the latest backup, or `clipdesk recover "
            r"--salvage` to keep what can still be read \(folders and settings first\); either way the damaged file "
            r"is kept aside and missing photos are indexed again\.",
            lambda: translate(
                "CoreText",
                "The catalog file {path} is damaged and cannot be read. Your photos are untouched. Run `clipdesk "
                "recover --from-backup` to restore the latest backup, or `clipdesk recover --salvage` to keep what "
                "can still be read (folders and settings first); either way the damaged file is kept aside and "
                "missing photos are indexed again.",
            ),
        ),
        (
            r"(?:CatalogError: )?The catalog \((?P<path>.+)\) stayed locked by another program \(another "
            r"clipdesk\?\): close it or wait for it to finish, then try again; nothing was lost\.",
            lambda: translate(
                "CoreText",
                "The catalog ({path}) stayed locked by another program (another clipdesk?): close it or wait for it "
                "to finish, then try again; nothing was lost.",
            ),
        ),
        (
            r"(?:CatalogError: )?The catalog \((?P<path>.+)\) was closed while this was running \(clipdesk was "
            r"stopping\); nothing was lost\.",
            lambda: translate(
                "CoreText",
                "The catalog ({path}) was closed while this was running (clipdesk was stopping); nothing was lost.",
            ),
        ),
        (
            r"(?:CatalogError: )?The catalog \((?P<path>.+)\) could not be used: (?P<error>.*)",
            lambda: translate("CoreText", "The catalog ({path}) could not be used: {error}"),
        ),
    ]
    return [(re.compile(pattern, re.DOTALL), template) for pattern, template in table]


_PATTERNS: list[tuple[re.Pattern[str], Callable[[], str]]] = []


def core_text(text: str) -> str:
    """`text` from the core in the app's language (each line on its own); unknown text as it is."""
    if not _PATTERNS:
        _PATTERNS.extend(_patterns())
    return "\n".join(_one_line(line) for line in text.split("\n"))


def _one_line(text: str) -> str:
    for pattern, template in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return template().format(**found.groupdict())
    return text


def join_sentences(*sentences: str) -> str:
    """Sentences in a row: a space after English ones, none after Chinese full stops."""
    out = ""
    for sentence in filter(None, sentences):
        out += sentence if not out or out[-1] in "。！？：" else " " + sentence
    return out
