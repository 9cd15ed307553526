"""The app next to a `clipdesk index` in a terminal: it searches, but leaves the indexing to the other one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

HOLDER = textwrap.dedent(
    """
    import sys, threading
    from clipdesk.engine import Engine

    engine = Engine(sys.argv[1], sys.argv[2])
    engine.index_lock.require()  # what `clipdesk index` holds while it runs
    print("holding", flush=True)
    threading.Event().wait()
    """
)


def test_the_app_shows_indexing_blocked_and_still_searches(qtbot, library: Path, ui_model: Path) -> None:
    from clipdesk.search import SearchRequest
    from clipdesk.ui.engine_bridge import EngineBridge

    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPDESK_")}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(library), str(ui_model)], env=env, stdout=subprocess.PIPE, text=True
    )
    bridge = EngineBridge(str(library), str(ui_model), watch=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with qtbot.waitSignal(bridge.indexingBlocked, timeout=20_000):
            bridge.open()
        assert not bridge.indexing_allowed
        engine = bridge.engine
        assert engine is not None and engine.watcher is None and not engine.index_lock.held
        qtbot.waitUntil(lambda: bridge.model_state[0] == "ready", timeout=30_000)
        with qtbot.waitSignal(bridge.searchFinished, timeout=20_000) as found:
            bridge.search(SearchRequest(text="a photo", limit=5))
        assert len(found.args[2].hits) == 5
    finally:
        holder.kill()
        holder.wait(30)
        bridge.shutdown()
