"""Roots as this machine sees them: a shared root has one stable name and a path per machine.

Photos are stored relative to their root; `RootMap` turns an absolute path on this machine into
(root id, relative path) and back, and its SQL fragments do the same inside queries.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# The photo's absolute path on this machine; a root not mapped here reads as //name/relative.
PATH_SQL = "COALESCE(rp.path || '/' || p.rel_path, '//' || r.name || '/' || p.rel_path)"
# Joins every read of photos needs for PATH_SQL and the offline flag (its one %s: this machine).
JOINS = "JOIN roots r ON r.id = p.root_id LEFT JOIN root_paths rp ON rp.root_id = p.root_id AND rp.machine = %s"
IMAGE_COLUMNS = (
    f"p.id, p.root_id, {PATH_SQL}, p.size, p.mtime_ns, p.content_key, p.width, p.height, p.taken_at, "
    "p.format, p.status, p.error, p.model_id, NOT COALESCE(rp.online, FALSE)"
)


@dataclass(frozen=True)
class MappedRoot:
    id: int
    name: str
    path: str  # on this machine


class RootMap:
    def __init__(self, roots: list[MappedRoot]) -> None:
        # Longest path first: a path belongs to the innermost root that holds it.
        self.roots = sorted(roots, key=lambda r: len(r.path), reverse=True)
        self.by_id = {r.id: r for r in roots}

    def split(self, path: str) -> tuple[int, str] | None:
        """(root id, path relative to it, '/'-separated) of an absolute path, or None outside every root."""
        for root in self.roots:
            prefix = root.path.rstrip(os.sep) + os.sep
            if path.startswith(prefix):
                return root.id, path[len(prefix) :].replace(os.sep, "/")
        return None

    def join(self, root_id: int, rel_path: str) -> str | None:
        root = self.by_id.get(root_id)
        if root is None:
            return None
        return root.path.rstrip(os.sep) + os.sep + rel_path.replace("/", os.sep)

    def folder_clauses(self, folder: str) -> tuple[list[str], list[object]]:
        """SQL over photos `p` matching everything under `folder` (absolute, on this machine)."""
        folder = os.path.abspath(folder).rstrip(os.sep) or os.sep
        clauses: list[str] = []
        params: list[object] = []
        for root in self.roots:
            root_path = root.path.rstrip(os.sep)
            if folder == root_path or root_path.startswith(folder.rstrip(os.sep) + os.sep):
                clauses.append("p.root_id = %s")  # the whole root lies inside the folder
                params.append(root.id)
            elif folder.startswith(root_path + os.sep):
                rel = folder[len(root_path) + 1 :].replace(os.sep, "/") + "/"
                clauses.append("(p.root_id = %s AND p.rel_path >= %s AND p.rel_path < %s)")
                params += [root.id, rel, rel[:-1] + "0"]  # '0' sorts right after '/'
        return clauses, params
