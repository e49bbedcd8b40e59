"""Scenario files: the schema (``models``), the loader (``loader``) and ``overrides``."""
