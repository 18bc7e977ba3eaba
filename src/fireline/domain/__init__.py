"""The pure core: rules of incidents and policies as functions of state and `now`.

Nothing here imports anything but the standard library, reads the clock or does I/O;
an import-linter contract in `pyproject.toml` holds that line.
"""
