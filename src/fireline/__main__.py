"""`python -m fireline` is the same as the `fireline` command."""

from fireline.entrypoints.cli.main import run

if __name__ == "__main__":
    run()
