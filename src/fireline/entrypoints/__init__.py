"""Entry points: the HTTP API, the command line and the server process."""
