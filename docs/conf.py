"""Sphinx configuration of the easy_mlops documentation."""

from easy_mlops import __version__

project = "easy_mlops"
author = "The easy_mlops developers"
release = __version__
version = __version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
html_theme = "alabaster"
# No network here or in CI: intersphinx has no inventories to fetch.
intersphinx_mapping = {}
