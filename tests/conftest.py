"""Shared fixtures: where the offline copy of the benchmark data lives."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _find_shared_data():
    env = os.environ.get("SKXFER_DATA")
    if env and Path(env).is_dir():
        return Path(env)
    # CI: the copy is ../shared/data relative to the repository root; in a git worktree
    # nested deeper, look further up.
    for parent in [REPO_ROOT, *REPO_ROOT.parents]:
        candidate = parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def shared_data_home():
    """Folder of the offline benchmark copy; skips the test when it is absent."""
    path = _find_shared_data()
    if path is None:
        pytest.skip(
            "offline benchmark data not found: set SKXFER_DATA or put the copy at "
            f"{REPO_ROOT.parent / 'shared' / 'data'}"
        )
    return path
