"""Promises every command keeps: one line and exit 2 for what the file system refuses, nothing half-written,
and tests of ``../shared`` that cannot skip silently where CI requires it."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import need_shared



def test_need_shared_skips_or_fails_as_the_environment_says(monkeypatch, tmp_path):
    missing = tmp_path / "shared" / "nothing-here"
    monkeypatch.delenv("BWBENCH_REQUIRE_SHARED", raising=False)
    with pytest.raises(pytest.skip.Exception):
        need_shared(missing)
    monkeypatch.setenv("BWBENCH_REQUIRE_SHARED", "1")
    with pytest.raises(pytest.fail.Exception, match="BWBENCH_REQUIRE_SHARED"):
        need_shared(missing)
    assert need_shared(tmp_path) == tmp_path


def test_ci_requires_shared():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "BWBENCH_REQUIRE_SHARED=1" in ci.split("pytest")[-2]
