"""Settings from the environment: parsed once, in clipdesk.config, typed, and refused with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from clipdesk.config import IMAGE_MODEL_TTL_S, Settings, SettingsError, settings


def test_unset_and_empty_variables_mean_automatic():
    assert settings({}) == Settings()
    assert settings({"CLIPDESK_DECODE_WORKERS": "", "CLIPDESK_DEVICE": "auto", "CLIPDESK_THREADS": "0"}) == Settings()
    assert Settings().image_model_ttl_s == IMAGE_MODEL_TTL_S


def test_values_are_parsed_into_types(tmp_path):
    got = settings(
        {
            "CLIPDESK_DATA_DIR": str(tmp_path),
            "CLIPDESK_MODEL": "sentence-transformers/clip-ViT-B-32",
            "CLIPDESK_DEVICE": "cuda:1",
            "CLIPDESK_PRECISION": "FP32",
            "CLIPDESK_TEXT_PRECISION": "model",
            "CLIPDESK_THREADS": "3",
            "CLIPDESK_ENCODE_THREADS": "2",
            "CLIPDESK_DECODE_WORKERS": "4",
            "CLIPDESK_DECODE": "thread",
            "CLIPDESK_DECODE_TIMEOUT": "7.5",
            "CLIPDESK_SCHEDULE": "overlap",
            "CLIPDESK_IMAGE_MODEL_TTL": "0",
        }
    )
    assert got == Settings(
        data_dir=tmp_path,
        model="sentence-transformers/clip-ViT-B-32",
        device="cuda:1",
        precision="fp32",
        text_precision="model",
        threads=3,
        encode_threads=2,
        decode_workers=4,
        decode_mode="thread",
        decode_timeout_s=7.5,
        schedule="overlap",
        image_model_ttl_s=0.0,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CLIPDESK_DECODE_TIMEOUT", "abc", "CLIPDESK_DECODE_TIMEOUT must be a number of seconds, got 'abc'"),
        ("CLIPDESK_DECODE_TIMEOUT", "0", "CLIPDESK_DECODE_TIMEOUT must be a number of seconds, more than 0, got '0'"),
        ("CLIPDESK_IMAGE_MODEL_TTL", "-5", "CLIPDESK_IMAGE_MODEL_TTL must be a number of seconds, 0 or more"),
        ("CLIPDESK_IMAGE_MODEL_TTL", "nan", "CLIPDESK_IMAGE_MODEL_TTL must be a number of seconds"),
        ("CLIPDESK_DECODE_WORKERS", "two", "CLIPDESK_DECODE_WORKERS must be a whole number (0: automatic), got 'two'"),
        ("CLIPDESK_THREADS", "-1", "CLIPDESK_THREADS must be a whole number"),
        ("CLIPDESK_SCHEDULE", "sideways", "must be one of phased, overlap, got 'sideways'"),
        ("CLIPDESK_PRECISION", "fp8", "must be one of auto, fp32, bf16, fp16, got 'fp8'"),
        ("CLIPDESK_DECODE", "gpu", "must be one of process, thread, got 'gpu'"),
    ],
)
def test_bad_values_are_refused_with_the_variable_and_what_it_should_be(name, value, message):
    with pytest.raises(SettingsError) as caught:
        settings({name: value})
    assert message in str(caught.value)


def test_the_environment_is_read_when_an_engine_is_made_not_at_import(engine_factory, monkeypatch):
    monkeypatch.setenv("CLIPDESK_IMAGE_MODEL_TTL", "12")
    monkeypatch.setenv("CLIPDESK_DECODE", "thread")
    monkeypatch.setenv("CLIPDESK_THREADS", "1")
    engine = engine_factory()
    assert engine.image_model_ttl_s == 12.0
    assert engine.indexer.decode_mode == "thread" and engine.encoder.threads == 1
    monkeypatch.setenv("CLIPDESK_IMAGE_MODEL_TTL", "abc")
    with pytest.raises(SettingsError, match="CLIPDESK_IMAGE_MODEL_TTL must be a number of seconds, got 'abc'"):
        engine_factory()


def test_the_command_line_names_a_bad_setting_as_a_usage_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPDESK_")}
    env.update(CLIPDESK_DATA_DIR=str(tmp_path / "data"), CLIPDESK_DECODE_TIMEOUT="abc")
    r = subprocess.run(
        [sys.executable, "-m", "clipdesk", "status"], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == "clipdesk: CLIPDESK_DECODE_TIMEOUT must be a number of seconds, got 'abc'"
