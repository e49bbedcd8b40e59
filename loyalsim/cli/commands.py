"""Imports every command module so that each registers itself on the app."""

from loyalsim.cli import calibrate_cmd, run_cmd, scenario_cmds  # noqa: F401
