"""aliaslint: a linter for aliasing bugs in NumPy code."""

__version__ = "0.1.0"
