"""What `clipdesk status` and the app's status line show: counts, folders, errors, index health."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..catalog import Catalog
from ..index import IndexStore
from ..watcher import FolderWatcher


@dataclass
class EngineStatus:
    data_dir: str
    model_id: str
    model_dim: int | None
    counts: dict[str, int]
    roots: list[dict[str, Any]]
    errors: list[tuple[str, str]]
    index: dict[str, Any] = field(default_factory=dict)


def engine_status(
    data_dir: str,
    model_id: str,
    catalog: Catalog,
    store: IndexStore,
    watcher: FolderWatcher | None,
    error_limit: int | None,
) -> EngineStatus:
    images = catalog.image_counts_by_root()
    roots = [
        {
            "path": root.path,
            "enabled": root.enabled,
            "online": root.online,
            "excludes": list(root.excludes),
            "images": images.get(root.id, 0),
            "watch": watcher.modes.get(root.path) if watcher else None,
        }
        for root in catalog.roots()
    ]
    dim = catalog.get_meta("model_dim")
    return EngineStatus(
        data_dir=data_dir,
        model_id=model_id,
        model_dim=int(dim) if dim else None,
        counts=catalog.counts(images),
        roots=roots,
        errors=catalog.errors(error_limit),
        index=_index_health(catalog, store),
    )


def _index_health(catalog: Catalog, store: IndexStore) -> dict[str, Any]:
    if getattr(store, "in_server", False):  # a shared library: the server's HNSW index follows its rows
        return {"file": None, "in_server": True, "up_to_date": True, "catalog_seq": catalog.change_seq()}
    stem = catalog.get_meta("index_stem")
    watermark = int(catalog.get_meta("index_watermark", "-1") or -1)
    seq = catalog.change_seq()
    info: dict[str, Any] = {
        "file": stem,
        "watermark": watermark,
        "catalog_seq": seq,
        "up_to_date": bool(stem) and watermark == seq,
    }
    if stem and not (store.folder / f"{stem}.hnsw").exists():
        info["up_to_date"] = False
        info["missing"] = True
    return info
