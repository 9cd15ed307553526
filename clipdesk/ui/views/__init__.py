"""The window's views, one module each: Library (everything, newest first) and Search results.

Each view owns its model and grid; the main window only composes them (see main_window.py).
"""
