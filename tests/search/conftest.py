"""Fixtures for the search tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from search.analysis import Analyzer, AnalyzerConfig


@pytest.fixture
def make_analyzer() -> Callable[..., Analyzer]:
    """A fresh analyzer (own caches) with some flags switched: `make_analyzer(stem=False)`."""

    def make(**flags: bool) -> Analyzer:
        return Analyzer(AnalyzerConfig(**flags))

    return make
