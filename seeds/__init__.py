"""Seed articles shipped with newsbrief, so a fresh install has news to brief on."""

from importlib.resources import files
from pathlib import Path


def folder() -> Path:
    """The folder that holds the seed article files."""
    return Path(str(files(__name__)))
