"""Sphinx configuration of the skxfer documentation (builds offline, executes nothing)."""

import skxfer

project = "skxfer"
author = "skxfer developers"
copyright = "skxfer developers"
release = skxfer.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
]
intersphinx_mapping = {}  # offline build: no inventories fetched
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
exclude_patterns = ["_build"]
templates_path = []
html_static_path = []
try:
    import pydata_sphinx_theme  # noqa: F401

    html_theme = "pydata_sphinx_theme"
except ImportError:  # pragma: no cover
    html_theme = "alabaster"
html_title = f"skxfer {release}"
