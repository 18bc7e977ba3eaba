"""Fireline: a self-hosted incident management platform that runs your incident handbook."""

__version__ = "0.1.0"
