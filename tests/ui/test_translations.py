"""The Chinese interface: every visible text is marked for translation and translated.

Three nets: an AST scan of clipdesk/ui for texts handed to widgets without tr(); a fresh
pyside6-lupdate run compared with resources/i18n (nothing new, nothing unfinished); and the real
window in zh_CN, walked widget by widget for English words left on screen."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLabel, QLineEdit, QMenu, QWidget

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "clipdesk" / "ui"
I18N = ROOT / "resources" / "i18n"
LUPDATE = Path(sys.executable).with_name("pyside6-lupdate")

# Calls whose text argument a person reads.
TEXT_CALLS = {
    "setText",
    "setToolTip",
    "setPlaceholderText",
    "setWindowTitle",
    "addMenu",
    "QAction",
    "QLabel",
    "QPushButton",
    "QToolButton",
    "QCheckBox",
    "QRadioButton",
    "addItem",
    "setHeaderLabels",
    "flash",
    "show_message",
    "setStatusTip",
    "setAccessibleName",
    "information",
    "warning",
    "critical",
    "question",
    "about",
    "Screen",
    "addAction",
}
TRANSLATING = {"tr", "translate", "core_text"}


def _words(text: str) -> bool:
    """English-looking: a run of 3+ Latin letters that is not a name or a key."""
    allowed = {
        "clipdesk",
        "CLIP",
        "Ctrl",
        "Esc",
        "JPEG",
        "PNG",
        "HEIC",
        "WebP",
        "TIFF",
        "Hugging",
        "Face",
        "raw",
        "png",
        "Screenshots",
        "sentence",
        "transformers",
        "English",
        "data",
        "dir",
        "fs",
        "inotify",
        "max_user_watches",
        "CLIPDESK_MULTILINGUAL_MODEL",
        "index",
        "wheel",
    }
    return any(w not in allowed for w in re.findall(r"[A-Za-z_]{3,}", text))


def _untranslated_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in TEXT_CALLS or (isinstance(func, ast.Attribute) and ast.unparse(func.value) == "log"):
            continue  # not shown, or the log (English for bug reports)
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            key = isinstance(arg, ast.Constant) and re.fullmatch(r"[a-z_]+", str(arg.value))  # "error", "no_query"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _words(arg.value) and not key:
                found.append(f"{path.relative_to(ROOT)}:{arg.lineno}: {arg.value!r}")
            if isinstance(arg, ast.JoinedStr) and _words(ast.unparse(arg)):
                found.append(f"{path.relative_to(ROOT)}:{arg.lineno}: f-string {ast.unparse(arg)[:60]}")
    return found


def test_no_text_reaches_a_widget_without_tr() -> None:
    problems = [line for path in sorted(UI.rglob("*.py")) for line in _untranslated_literals(path)]
    assert not problems, "texts shown without tr():\n" + "\n".join(problems)


def test_the_scan_catches_an_unmarked_text(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('label.setText("Hello there")\nlabel.setText(self.tr("Marked"))\nQAction(f"Open {n}", w)\n')
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(_untranslated_literals(sample)) == 2
    finally:
        ROOT = saved


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    out = {}
    for ctx in ET.parse(ts).getroot():
        name = ctx.findtext("name") or ""
        for m in ctx.findall("message"):
            out[(name, m.findtext("source") or "")] = m
    return out


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_translation_sources_are_complete_and_current(tmp_path: Path, language: str) -> None:
    ts = I18N / f"clipdesk_{language}.ts"
    fresh = tmp_path / ts.name
    shutil.copy(ts, fresh)
    options = ["-pluralonly"] if language == "en" else []
    subprocess.run(
        [str(LUPDATE), "-locations", "none", *options, *map(str, sorted(UI.rglob("*.py"))), "-ts", str(fresh)],
        check=True,
        capture_output=True,
    )
    kept, now = _messages(ts), _messages(fresh)
    current = {key for key, m in now.items() if m.find("translation").get("type") not in ("vanished", "obsolete")}
    new, gone = current - set(kept), set(kept) - current
    assert not new and not gone, f"run `make update-translations`: new {new}, gone {gone}"
    unfinished = [key for key, m in now.items() if m.find("translation").get("type") == "unfinished"]
    assert not unfinished, f"untranslated in {ts.name}: {unfinished}"
    for key, m in now.items():
        forms = [m.find("translation").text] + [f.text for f in m.find("translation").findall("numerusform")]
        assert any(forms), f"empty translation for {key}"
        if language == "zh_CN":
            for name in set(re.findall(r"\{\w+\}", key[1])) - {"{month_name}"}:  # Chinese: {year}年{month}月
                assert any(name in (f or "") for f in forms), f"{key}: the translation lost {name}"


@pytest.fixture
def chinese(qtbot, monkeypatch):
    from clipdesk.ui.app import install_translators

    monkeypatch.setenv("CLIPDESK_LANGUAGE", "zh_CN")  # as a screenshot run sets it; create_application reads it
    app = QApplication.instance()
    install_translators(app, QLocale("zh_CN"))
    yield
    install_translators(app, QLocale("en"))


def _visible_texts(window: QWidget) -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = []
    for w in [window, *window.findChildren(QWidget)]:
        if not w.isVisibleTo(window) and not isinstance(w, QMenu):
            continue
        kind = type(w).__name__
        texts.append((kind + " tooltip", w.toolTip()))
        if isinstance(w, (QLabel, QAbstractButton)):
            texts.append((kind, w.text()))
        if isinstance(w, QLineEdit):
            texts.append((kind + " placeholder", w.placeholderText()))
        if isinstance(w, QComboBox):
            texts += [(kind + " item", w.itemText(i)) for i in range(w.count()) if w.itemData(i) not in (None, "")]
        if isinstance(w, QMenu):
            texts.append(("menu", w.title()))
            texts += [("action", a.text()) for a in w.actions()] + [("action tip", a.toolTip()) for a in w.actions()]
    return texts


def _english(texts: list[tuple[str, str]], window) -> list[tuple[str, str]]:
    names = {Path(r["path"]).name for r in window.status.roots}
    left = []
    for kind, text in texts:
        plain = re.sub(r"<[^>]+>|“[^”]*”", " ", text)  # markup, and what the user typed
        plain = plain.replace(Path(window.bridge.engine.model_id).name, " ")
        plain = re.sub(r"(/[\w.\-/]+)|\b[\w\-]+\.(jpg|jpeg|png|heic|tiff)\b", " ", plain, flags=re.I)
        for name in names:
            plain = plain.replace(name, " ")
        if _words(plain) and plain.strip() not in ("English",):
            left.append((kind, text))
    return left


def test_the_window_in_chinese_leaves_nothing_in_english(qtbot, chinese, library, open_window) -> None:
    window = open_window(library)
    qtbot.waitUntil(lambda: window.library_view.model.rowCount() > 0, timeout=10_000)
    assert window.sidebar.toggle_button.toolTip() in ("隐藏侧边栏 (Ctrl+B)", "显示侧边栏 (Ctrl+B)")
    left = _english(_visible_texts(window), window)
    window.field.setText("dog")
    window.search.run_query()
    qtbot.waitUntil(lambda: window.search_view.model.rowCount() > 0, timeout=10_000)
    left += _english(_visible_texts(window), window)
    assert "“dog”" in window.filter_bar.summary.text() and "最佳匹配" in window.filter_bar.summary.text()
    menu = window.commands.context_menu(
        window.search_view.grid.visualRect(window.search_view.model.index(0, 0)).center()
    )
    left += _english(_visible_texts(menu), window)

    window.preview_flow.open(0)
    qtbot.waitUntil(lambda: window.preview.has_loaded(window.search_view.model.hit(0).path), timeout=10_000)
    details = window.preview.details_label.text()
    window.preview.details_label.setText("")  # the photo's own facts: its path, size, format (JPEG)
    left += _english(_visible_texts(window), window)
    window.preview.details_label.setText(details)
    window.preview_flow.close()

    window.tasks.show_folders()
    folders = window.tasks.folders_dialog
    qtbot.waitUntil(
        lambda: folders.tree.topLevelItemCount() == 1 and bool(folders.tree.topLevelItem(0).text(2)), timeout=10_000
    )
    left += _english(_visible_texts(folders), window)
    left += (
        [("folder status", folders.tree.topLevelItem(0).text(2))]
        if _words(folders.tree.topLevelItem(0).text(2))
        else []
    )
    folders.close()
    window.errors_button.click()
    errors = window.tasks.errors_dialog
    qtbot.waitUntil(lambda: errors.tree.topLevelItemCount() == 1, timeout=10_000)
    left += _english(_visible_texts(errors), window)
    why = errors.tree.topLevelItem(0).text(2)
    left += [("unreadable reason", why)] if _words(why) else []
    errors.close()
    assert not left, f"English left on screen: {sorted(set(left))}"


def test_the_first_run_in_chinese_leaves_nothing_in_english(qtbot, chinese, tmp_path, open_window) -> None:
    window = open_window(tmp_path / "first-run")
    assert window.pages.currentWidget() is window.welcome
    left = [(kind, text) for kind, text in _visible_texts(window) if _words(re.sub(r"<[^>]+>|“[^”]*”", " ", text))]
    left = [(kind, text) for kind, text in left if Path(window.bridge.engine.model_id).name not in text]
    assert not left, f"English left on screen: {sorted(set(left))}"


def test_core_messages_are_translated(chinese) -> None:
    from clipdesk.catalog.errors import CatalogError
    from clipdesk.ui.core_text import core_text

    full = CatalogError.from_exception(OSError(28, "No space left on device"), Path("/data/catalog.db"))
    assert core_text(f"CatalogError: {full}") == (
        "存放图库目录的磁盘（/data/catalog.db）已满：请腾出一些空间后重试；没有丢失任何数据。"
    )
    from clipdesk.catalog.errors import _MESSAGES  # every kind, word for word as the core writes it

    for kind, template in _MESSAGES.items():
        english = template.format(path="/data/catalog.db", error="disk I/O error")
        chinese = core_text(f"CatalogError: {english}")
        assert chinese != english and re.search(r"[\u4e00-\u9fff]", chinese), (kind, chinese)
    offline = "/media/usb/Photos is not reachable (unplugged or unmounted?); its photos are kept."
    assert core_text(offline) == "无法访问 /media/usb/Photos（已拔出或未挂载？）；其中的照片仍会保留。"
    assert core_text("/x does not exist.\nsomething new") == "/x 不存在。\nsomething new"  # unknown: as written


def test_unreadable_file_reasons_are_translated(chinese, tmp_path: Path) -> None:
    from clipdesk.imaging.decode import DecodeError, ModelInput, decode
    from clipdesk.pipeline.scan import not_a_file_reason
    from clipdesk.ui.core_text import core_text, join_sentences

    empty, garbage = tmp_path / "empty.jpg", tmp_path / "garbage.jpg"
    empty.write_bytes(b"")
    garbage.write_bytes(b"this is not a picture" * 10)
    reasons = []
    for path in (empty, garbage):
        with pytest.raises(DecodeError) as caught:
            decode(path, ModelInput())
        reasons.append(str(caught.value))
    assert [core_text(r) for r in reasons] == ["空文件（0 字节）", "不是图片，或是 clipdesk 无法读取的格式"]
    assert core_text(not_a_file_reason(str(tmp_path))) == "这是文件夹，不是图片文件"
    assert join_sentences("有 2 个文件无法读取。", "这些文件已被跳过。") == "有 2 个文件无法读取。这些文件已被跳过。"
    assert join_sentences("2 files could not be read.", "They are skipped.") == (
        "2 files could not be read. They are skipped."
    )


def test_core_model_messages_match_the_core_wording(chinese) -> None:
    """The patterns are checked against the core's own message builders, so a changed wording fails here."""
    from clipdesk.encoder import clip, model_files
    from clipdesk.encoder.text import student_unavailable_message
    from clipdesk.ui.core_text import core_text

    missing = clip._unavailable_message("openai/clip-vit-base-patch32", model_files.ModelNotFound("offline"))
    assert core_text(missing).startswith("这台电脑上没有 CLIP 模型“openai/clip-vit-base-patch32”")
    no_folder = clip._unavailable_message("/no/such/model", FileNotFoundError("x"))
    assert core_text(no_folder) == "模型文件夹 /no/such/model 不存在。请选择一个包含 CLIP 模型的文件夹。"
    student = student_unavailable_message("some/student", "openai/clip", model_files.ModelNotFound("offline"))
    assert core_text(student).startswith("这台电脑上没有多语言文本模型“some/student”")
    assert core_text(student_unavailable_message(None, "my/clip", None)).startswith("图像模型 my/clip 没有")
