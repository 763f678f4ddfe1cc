"""Output formats: pure functions from diagnostics to text."""
