"""Things (zero-shot labels), the preview's "What's in this photo" and smart albums, through the
window's public widgets and signals (tiny random CLIP, the tests' 20-label vocabulary)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clipdesk.engine import Engine


@pytest.fixture
def labelled(library: Path, ui_model: Path) -> Path:
    """The test library with its label vectors computed and every photo tagged (as the app does at start)."""
    engine = Engine(library, str(ui_model))
    try:
        engine.labelling.prepare()
        engine.labelling.tag_backlog()
        assert engine.labelling.wait_idle(30)
    finally:
        engine.close()
    return library


def label_counts(data: Path, model: Path) -> dict[str, int]:
    engine = Engine(data, str(model))
    try:
        return {info.id: info.count for info in engine.labels()}
    finally:
        engine.close()


def open_things(qtbot, window) -> None:
    window.show_view("things")
    qtbot.waitUntil(lambda: window.things_view.loaded, timeout=10_000)


def test_things_lists_labels_with_counts_and_opens_one(qtbot, labelled, open_window, ui_model) -> None:
    counts = label_counts(labelled, ui_model)
    assert counts, "the indexed library has labels"
    window = open_window(labelled)
    open_things(qtbot, window)
    tiles = window.things_view.tiles
    assert set(tiles.visible_labels()) == set(counts)
    assert {t.id: t.count for t in tiles.tiles} == counts
    assert tiles.headers(), "labels are grouped under category headers"
    biggest = max(counts, key=lambda k: counts[k])
    first_tile = tiles.tile(tiles.visible_labels()[0])
    assert first_tile is not None and first_tile.count == counts[biggest]
    assert window.things_view.summary()

    # The filter box keeps what matches (English or Chinese names).
    tile = tiles.tile(biggest)
    assert tile is not None
    tiles.filter_box.setText(tile.zh)
    assert biggest in tiles.visible_labels() and len(tiles.visible_labels()) <= len(counts)
    tiles.filter_box.setText("no such thing at all")
    assert tiles.visible_labels() == []
    tiles.filter_box.clear()

    # Opening a label: its photos, best fit first, and the label as the filter bar's chip.
    tiles.labelOpened.emit(biggest)
    view = window.things_view
    qtbot.waitUntil(lambda: view.showing_label() and view.model.rowCount() == counts[biggest], timeout=10_000)
    scores = [h.score for h in view.model.hits()]
    assert scores == sorted(scores, reverse=True)
    assert window.filter_bar.label_id == biggest and window.filter_bar.label_chip.isVisibleTo(window)
    assert window.filter_bar.filters().label == biggest
    assert tile.en in window.filter_bar.summary.text() or tile.zh in window.filter_bar.summary.text()

    # A search typed meanwhile stays within the label.
    window.field.setText("photo")
    window.search.run_query()
    qtbot.waitUntil(lambda: not window.search_view.session.searching, timeout=20_000)
    label_ids = {h.id for h in view.model.hits()}
    found = {h.id for h in window.search_view.model.hits()}
    assert found and found <= label_ids

    # Removing the chip comes back to the overview.
    window.field.clear()
    window.show_view("things")
    window.filter_bar.label_chip.click()
    assert window.filter_bar.label_id is None and not view.showing_label()


def test_preview_shows_labels_and_a_click_opens_the_label(qtbot, labelled, open_window) -> None:
    window = open_window(labelled)
    qtbot.waitUntil(lambda: window.library_view.model.rowCount() > 0, timeout=10_000)
    window.preview_flow.open(0)
    labels = window.preview.labels
    qtbot.waitUntil(lambda: bool(labels.buttons()), timeout=10_000)
    assert labels.isVisibleTo(window)
    shown = labels.shown
    assert 0 < len(shown) <= 5
    assert all(0.0 < s.probability <= 1.0 for s in shown)
    assert "%" in labels.buttons()[0].text()
    probabilities = [s.probability for s in shown]
    assert probabilities == sorted(probabilities, reverse=True)
    labels.buttons()[0].click()
    assert window.current_view() is window.things_view
    assert window.filter_bar.label_id == shown[0].id
    qtbot.waitUntil(lambda: window.things_view.model.rowCount() > 0, timeout=10_000)
    assert window.library_view.model.hit(0).id in {h.id for h in window.things_view.model.hits()}


def test_labels_for_a_photo_from_outside_the_library(qtbot, labelled, open_window, ui_photos, tmp_path) -> None:
    """A picture dropped from outside the library (it becomes the search's picture) is described by the model."""
    outside = tmp_path / "dropped.jpg"
    shutil.copy2(ui_photos / "trips" / "DSCN0010.jpg", outside)
    window = open_window(labelled)
    window.search.use_image_files([str(outside)])
    qtbot.waitUntil(lambda: window.labels_flow.query_labels is not None, timeout=10_000)
    labels = window.labels_flow.query_labels
    qtbot.waitUntil(lambda: bool(labels.buttons()), timeout=20_000)
    assert labels.isVisibleTo(window)
    assert len(labels.shown) == 5  # the vocabulary's best five, probabilities over all of it
    assert sum(s.probability for s in labels.shown) <= 1.0 + 1e-6
    labels.buttons()[0].click()
    assert window.current_view() is window.things_view and window.filter_bar.label_id == labels.shown[0].id
    window.search.clear_query_image()
    qtbot.waitUntil(lambda: not labels.isVisibleTo(window), timeout=10_000)


def row_named(model, name: str) -> int:
    return next(r for r in range(model.rowCount()) if model.hit(r) is not None and model.hit(r).path.endswith(name))


def test_album_dialog_creates_a_live_album_and_strictness_changes_it(qtbot, library, open_window, ui_photos) -> None:
    window = open_window(library)
    qtbot.waitUntil(lambda: window.library_view.model.rowCount() > 2, timeout=10_000)
    example_row = row_named(window.library_view.model, "DSCN0010.jpg")
    example = window.library_view.model.hit(example_row)
    window.library_view.grid.select_row(example_row)
    dialog = window.labels_flow.new_album()
    dialog.create_button.click()
    assert dialog.isVisible() and dialog.error_label.text(), "a nameless album is refused in the dialog"
    dialog.name_edit.setText("Trips")
    dialog.create_button.click()
    assert dialog.isVisible() and "example" in dialog.error_label.text(), "a name alone is refused too"
    dialog.examples.selection_button.click()
    assert dialog.examples.paths() == (example.path,)
    dialog.counter_examples.add_paths([str(ui_photos / "cameras" / "canon-ixus.jpg")])
    dialog.create_button.click()
    qtbot.waitUntil(lambda: window.sidebar.keys().count("album:Trips"), timeout=30_000)
    view = window.album_view
    qtbot.waitUntil(lambda: window.current_view() is view and view.shown_at == 0.5, timeout=10_000)
    assert view.edge_label.text() and "Trips" in window.filter_bar.summary.text()
    stored = view.counts[1]

    # Loosest: more photos; those past the stored strictness are marked as entering.
    view.slider.setValue(0)
    qtbot.waitUntil(lambda: view.shown_at == 0.0, timeout=10_000)
    loose = view.counts[0]
    assert loose > stored and view.model.rowCount() == loose
    assert example.id in {h.id for h in view.model.hits()}, "the example photo is in its album"
    assert view.grid.divider_row() == stored and view.grid.divider_text == "Entering"
    assert "entering" in view.edge_label.text()
    # Strictest, let go: fewer photos, stored.
    view.set_strictness(1.0)
    qtbot.waitUntil(lambda: view.shown_at == 1.0 and view.stored == 1.0, timeout=10_000)
    qtbot.waitUntil(lambda: view.counts[0] == view.counts[1] < loose, timeout=10_000)
    assert view.model.rowCount() == view.counts[0] and view.grid.divider_row() is None

    # Stored in the catalog: another window (a restart) lists it with its strictness.
    window.close()
    again = open_window(library)
    qtbot.waitUntil(lambda: again.sidebar.keys().count("album:Trips"), timeout=10_000)
    assert again.labels_flow.albums["Trips"].strictness == 1.0
    again.labels_flow.remove_album("Trips", confirm=False)
    qtbot.waitUntil(lambda: not again.sidebar.keys().count("album:Trips"), timeout=10_000)
