"""Imports every command module so that each registers itself on the app."""

from loyalsim.cli import compare_cmd, optimize_cmd, report_cmd, run_cmd, scenario_cmds  # noqa: F401
