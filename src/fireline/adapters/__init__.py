"""Adapters: the outside world (files, databases, channels) on one side, the core on the other.

Each subpackage turns one outside thing into domain values or back; none holds a rule of its own.
"""
