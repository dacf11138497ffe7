"""Importing skxfer is light and leaves sklearn's configuration alone."""

import subprocess
import sys

import pytest

HEAVY = ("torch", "skorch", "matplotlib", "dask", "ot")


def _run(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_import_does_not_import_heavy_dependencies():
    loaded = _run(f"import sys, skxfer; print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    assert loaded == ""


def test_import_does_not_change_sklearn_config():
    out = _run(
        "import sklearn; before = dict(sklearn.get_config()); import skxfer; "
        "print(before == sklearn.get_config())"
    )
    assert out == "True"


def test_public_names_resolve():
    import skxfer

    for name in skxfer.__all__:
        assert getattr(skxfer, name) is not None, name


def test_unknown_attribute_raises():
    import skxfer

    with pytest.raises(AttributeError, match="no attribute"):
        skxfer.DoesNotExist  # noqa: B018
