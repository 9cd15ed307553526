"""The PySide6 desktop app. Everything here runs on top of `clipdesk.engine.Engine`.

Threading rule for this package: widgets, QPixmaps and models are only touched on the GUI
thread; disk, decoding, SQLite and the model run on background threads and report back
through queued Qt signals.
"""

from .compat import protect_none

protect_none()
