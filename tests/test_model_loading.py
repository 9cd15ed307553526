"""Model loading: cached hub models load with no network; missing ones fail fast and clearly."""

from __future__ import annotations

import shutil
import socket
import time

import pytest

from clipdesk.encoder import ClipEncoder, ModelUnavailableError, model_files


@pytest.fixture
def no_network(monkeypatch):
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args[:1])
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: refuse(*a))
    return attempts


def _fake_hub_cache(home, repo: str, model_dir) -> None:
    """Lay a model out exactly as huggingface_hub caches a download."""
    org, name = repo.split("/")
    base = home / "hub" / f"models--{org}--{name}"
    snapshot = base / "snapshots" / "0123456789abcdef0123456789abcdef01234567"
    shutil.copytree(model_dir, snapshot)
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text("0123456789abcdef0123456789abcdef01234567")


def test_cached_hub_model_loads_without_touching_the_network(tmp_path, tiny_model, monkeypatch, no_network):
    _fake_hub_cache(tmp_path / "hf", "someone/tiny-clip", tiny_model)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    encoder = ClipEncoder("someone/tiny-clip")
    assert encoder.encode_text("a cat").shape == (16,)
    assert no_network == []


def test_uncached_hub_model_without_network_fails_fast(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError, match="no network connection") as info:
        ClipEncoder("sentence-transformers/clip-ViT-B-32").load()
    assert time.monotonic() - started < 30  # not minutes of retries
    assert "--model" in str(info.value)


def test_folder_that_is_not_a_model(tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "readme.txt").write_text("hello")
    with pytest.raises(ModelUnavailableError, match="does not hold a usable CLIP model"):
        ClipEncoder(str(tmp_path / "junk")).load()


def test_local_paths_are_recognised():
    assert model_files.is_local("/opt/models/clip") and model_files.is_local("./clip")
    assert not model_files.is_local("sentence-transformers/clip-ViT-B-32")
