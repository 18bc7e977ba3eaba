"""The `fireline` command (Typer + Rich)."""
