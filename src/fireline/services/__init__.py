"""Use cases: one verb-named function each, with its dependencies passed in explicitly."""
