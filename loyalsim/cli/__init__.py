"""The ``loyalsim`` command line."""
