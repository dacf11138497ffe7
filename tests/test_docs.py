"""The documentation builds offline with warnings as errors (``sphinx -W``)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "sphinx", reason="sphinx is not installed: pip install -e '.[docs]' to test the docs build"
)
pytest.importorskip("numpydoc", reason="numpydoc is not installed: pip install -e '.[docs]'")

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_docs_build_without_warnings(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = tmp_path / "html"
    for page in [
        "index",
        "getting_started",
        "data_contract",
        "user_guide",
        "choosing",
        "plotting",
        "examples",
        "gpu",
        "cluster",
        "plugins",
        "api",
    ]:
        assert (html / f"{page}.html").exists(), page
    api = (html / "api.html").read_text(encoding="utf-8")
    for name in [
        "DANNClassifier",
        "InstanceReweighter",
        "compare_strategies",
        "DomainShiftDisplay",
        "mmd_test",
    ]:
        assert name in api
