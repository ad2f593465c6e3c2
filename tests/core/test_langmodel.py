"""The language model is unpacked once into the cache and read from there; a cache that cannot be used
falls back to py3langid's own loader with the same results."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.core import langmodel

FRENCH = "Nous ne vendons pas vos données personnelles et ne les partageons pas avec des annonceurs. " * 4
GERMAN = "Wir verkaufen Ihre personenbezogenen Daten nicht und geben sie nicht an Werbepartner weiter. " * 4


def test_the_model_is_unpacked_once_and_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = langmodel.load_identifier()
    [cached] = list((tmp_path / "policywatch").glob("py3langid-*.npz"))
    stamp = cached.stat().st_mtime_ns
    second = langmodel.load_identifier()
    assert cached.stat().st_mtime_ns == stamp, "the second load reads the cache, it does not rewrite it"
    assert not list((tmp_path / "policywatch").glob("*.part"))
    for model in (first, second):
        assert [model.classify(text)[0] for text in (FRENCH, GERMAN)] == ["fr", "de"]


def test_an_unusable_cache_falls_back_to_the_packaged_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    model = langmodel.load_identifier()
    assert model.classify(FRENCH)[0] == "fr"


def test_a_damaged_cached_copy_falls_back_to_the_packaged_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    langmodel.load_identifier()
    [cached] = list((tmp_path / "policywatch").glob("py3langid-*.npz"))
    cached.write_bytes(b"not an npz file")
    assert langmodel.load_identifier().classify(GERMAN)[0] == "de"
