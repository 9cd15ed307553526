"""Reliability tests (issue 5): kills, bad input, file-system storms, concurrency, never harming the user.

A package, so its conftest and helpers never collide with tests/conftest.py's module name."""
