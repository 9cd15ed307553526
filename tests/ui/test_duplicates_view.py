"""The Duplicates view in the real window: groups of real photos and copies made of them, the keeper
changed by the user, "Move the Others to Trash" after a confirmation (the desktop Trash, under a
temporary XDG data home), cancel leaving everything; screenshots in English and Chinese."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the copies made by test_duplicates
from test_duplicates import make_copies

from clipdesk.engine import Engine
from clipdesk.ui.views.partials.trash import move_others_to_trash

SHOTS = Path("/tmp/h1-shots")
SUBJECTS = ("jpg/gps/DSCN0010.jpg", "jpg/mobile/jolla.jpg")
DISTINCT = ("jpg/Canon_40D.jpg", "jpg/Nikon_D70.jpg")


@pytest.fixture(scope="module", autouse=True)
def no_text_pass() -> Iterator[None]:
    """Reading the text in photos is another feature's second pass: not needed here, and slow."""
    saved = os.environ.get("CLIPDESK_TEXT")
    os.environ["CLIPDESK_TEXT"] = "0"
    yield
    if saved is None:
        os.environ.pop("CLIPDESK_TEXT", None)
    else:
        os.environ["CLIPDESK_TEXT"] = saved


@pytest.fixture
def trash_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The desktop Trash lands here (freedesktop.org: $XDG_DATA_HOME/Trash), on the photos' disk."""
    home = tmp_path / "xdg"
    home.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home / "Trash"


def _make_library(tmp_path: Path, ui_model: Path) -> tuple[Path, dict[str, Path]]:
    corpus = Path(os.environ.get("CLIPDESK_CORPUS", "/work/shared/corpus/exif-samples"))
    if not corpus.is_dir():
        pytest.skip("photo corpus not found")
    photos = tmp_path / "Pictures"
    files: dict[str, Path] = {}
    for n, subject in enumerate(SUBJECTS):
        for role, path in make_copies(corpus / subject, photos / f"trip{n}", Path(subject).stem).items():
            files[f"{n}:{role}"] = path
    for name in DISTINCT:
        target = photos / "cameras" / Path(name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / name, target)
    data = tmp_path / "data"
    engine = Engine(data, str(ui_model))
    try:
        engine.add_root(photos)
        engine.index()
    finally:
        engine.close()
    return data, files


@pytest.fixture
def duplicates_library(tmp_path: Path, ui_model: Path) -> tuple[Path, dict[str, Path]]:
    """A library of one's own (the test moves files to the Trash)."""
    return _make_library(tmp_path, ui_model)


@pytest.fixture(scope="module")
def shared_library(tmp_path_factory: pytest.TempPathFactory, ui_model: Path) -> tuple[Path, dict[str, Path]]:
    """For tests that change no photo: indexed once."""
    return _make_library(tmp_path_factory.mktemp("duplicates-ui"), ui_model)


def _open_duplicates(qtbot, open_window, data: Path):
    window = open_window(data, wait_model=False)
    view = window.duplicates_view
    with qtbot.waitSignal(view.groupsShown, timeout=30_000):
        window.sidebar.set_current("duplicates")
        window.show_view("duplicates")
    assert window.views.currentWidget() is view
    return window, view


def _answer_confirmation(button: str, seen: list[str], shot: Path | None = None) -> None:
    """Read the confirmation as a person would, then press a button (once it is up)."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, press)
            return
        seen.append(box.text())
        if shot is not None:
            assert box.grab().save(str(shot))
        for candidate in box.buttons():
            if candidate.text() == button or (
                button == "Cancel" and box.standardButton(candidate) == box.StandardButton.Cancel
            ):
                candidate.click()
                return
        raise AssertionError(f"no {button!r} button in {[b.text() for b in box.buttons()]}")

    QTimer.singleShot(50, press)


def _card(view, kind: str, member: Path):
    return next(c for c in view.cards if c.group.kind == kind and str(member) in {p.path for p in c.group.photos})


def test_trash_one_group_after_confirming_with_the_keeper_the_user_chose(
    qtbot, duplicates_library, open_window, trash_home: Path
) -> None:
    data, files = duplicates_library
    window, view = _open_duplicates(qtbot, open_window, data)
    assert {c.group.kind for c in view.cards} == {"exact", "same", "similar"}
    original, copy = files["0:original"], files["0:exact"]
    card = _card(view, "exact", original)
    assert card.group.keep == next(p.id for p in card.group.photos if p.path == str(original))
    # The user keeps the copy instead: the original is the one to go.
    copy_id = next(p.id for p in card.group.photos if p.path == str(copy))
    card.choose(copy_id)
    assert [p.path for p in card.others()] == [str(original)]
    seen: list[str] = []
    _answer_confirmation("Move to Trash", seen)
    with qtbot.waitSignal(view.trashDone, timeout=20_000) as done:
        card.trash_button.click()
    assert done.args == [1, 0]
    size = original.stat().st_size if original.exists() else (trash_home / "files" / original.name).stat().st_size
    assert seen and "1 file" in seen[0] and f"{size / 1000:.1f} kB" in seen[0], seen
    assert not original.exists() and copy.exists()
    assert (trash_home / "files" / original.name).exists()
    assert (trash_home / "info" / f"{original.name}.trashinfo").exists()
    engine = window.bridge.engine
    assert engine.catalog.image_by_path(str(original)) is None
    assert engine.catalog.image_by_path(str(copy)) is not None
    qtbot.waitUntil(
        lambda: (
            view.loaded
            and not any(
                c.group.kind == "exact" and str(original) in {p.path for p in c.group.photos} for c in view.cards
            )
        ),
        timeout=20_000,
    )
    # The copy now stands for the picture among its other versions.
    assert str(copy) in {p.path for p in _card(view, "same", files["0:half"]).group.photos}


def test_cancel_leaves_every_file_and_the_catalog(qtbot, shared_library, open_window, trash_home: Path) -> None:
    data, _files = shared_library
    window, view = _open_duplicates(qtbot, open_window, data)
    groups_before = [[p.path for p in c.group.photos] for c in view.cards]
    # A photo can be an "other" in two groups (an exact copy's original also stands for its
    # "same" and "similar" groups) or kept in one and an "other" in another: counted once, never
    # when kept anywhere.
    kept = {view.kept(g) for g in view.groups}
    others = {Path(p.path) for g in view.kind_groups() for p in g.others(view.kept(g)) if p.id not in kept}
    seen: list[str] = []
    _answer_confirmation("Cancel", seen)
    view.trash_all_button.click()
    assert seen and f"{len(others)} files" in seen[0]
    qtbot.wait(200)
    assert all(path.exists() for path in others)
    assert not trash_home.exists() or not any((trash_home / "files").iterdir())
    engine = window.bridge.engine
    assert all(engine.catalog.image_by_path(str(p)) is not None for p in others)
    assert [[p.path for p in c.group.photos] for c in view.cards] == groups_before
    assert not view.busy


def test_the_kind_filter_and_strictness(qtbot, shared_library, open_window) -> None:
    data, _files = shared_library
    window, view = _open_duplicates(qtbot, open_window, data)
    view.kind_box.setCurrentIndex(view.kind_box.findData("exact"))
    assert {c.group.kind for c in view.cards} == {"exact"} and not view.slider.isEnabled()
    view.kind_box.setCurrentIndex(view.kind_box.findData("similar"))
    assert view.slider.isEnabled()
    before = len(view.cards)
    with qtbot.waitSignal(view.groupsShown, timeout=20_000):
        view.slider.setValue(view.slider.maximum())
    assert len(view.cards) <= before
    assert window.bridge.engine.duplicates.settings.strictness == 1.0


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshots_of_the_duplicates_view(qtbot, shared_library, open_window, language, monkeypatch) -> None:
    from PySide6.QtCore import QLocale

    from clipdesk.ui.app import install_translators

    data, _files = shared_library
    app = QApplication.instance()
    if language != "en":
        monkeypatch.setenv("CLIPDESK_LANGUAGE", language)
        install_translators(app, QLocale(language))
    try:
        window, view = _open_duplicates(qtbot, open_window, data)
        qtbot.waitUntil(lambda: window.loader.pending == 0, timeout=20_000)
        qtbot.wait(300)
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(SHOTS / f"duplicates-{language}.png"))
        view.kind_box.setCurrentIndex(view.kind_box.findData("similar"))
        qtbot.wait(300)
        assert window.grab().save(str(SHOTS / f"duplicates-similar-{language}.png"))
        seen: list[str] = []
        _answer_confirmation("Cancel", seen, SHOTS / f"duplicates-confirm-{language}.png")
        view.trash_all_button.click()
        assert seen
    finally:
        if language != "en":
            install_translators(app, QLocale("en"))


def test_a_file_goes_to_the_trash_only_while_its_keeper_is_on_disk(tmp_path: Path, trash_home: Path) -> None:
    """The groups were read a while ago: if the photo to keep was deleted or moved since, its others
    stay where they are (reported), and a file that cannot be moved is reported without stopping the rest."""
    folder = tmp_path / "Pictures"
    folder.mkdir()
    keeper, other, orphan = folder / "keep.jpg", folder / "other.jpg", folder / "orphan.jpg"
    for path in (keeper, other, orphan):
        path.write_bytes(b"not really a photo " + path.name.encode())
    missing = folder / "gone.jpg"
    moved, failed = move_others_to_trash(
        [(str(keeper), str(other)), (str(missing), str(orphan)), (str(keeper), str(folder / "never.jpg"))]
    )
    assert moved == [str(other)]
    assert [path for path, _ in failed] == [str(orphan), str(folder / "never.jpg")]
    assert "is gone" in failed[0][1]
    assert orphan.exists() and keeper.exists() and not other.exists()
    assert (trash_home / "files" / "other.jpg").exists()


def test_a_link_to_the_kept_photo_never_sends_the_photo_itself_to_the_trash(tmp_path: Path, trash_home) -> None:
    """The scan catalogues symlinks inside a folder; a link can be the suggested keeper of the file
    it points to. Trashing that file would leave only a dangling link."""
    real = tmp_path / "photos" / "real.jpg"
    real.parent.mkdir()
    real.write_bytes(b"\xff\xd8\xff" + os.urandom(64))
    link = real.parent / "k.jpg"
    link.symlink_to(real)
    moved, failed = move_others_to_trash([(str(link), str(real))])
    assert moved == [] and [path for path, _ in failed] == [str(real)]
    assert "same file" in failed[0][1]
    assert real.exists() and link.exists()
