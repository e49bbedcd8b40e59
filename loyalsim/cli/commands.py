"""Imports every command module so that each registers itself on the app."""

from loyalsim.cli import (  # noqa: F401
    calibrate_cmd,
    compare_cmd,
    init_cmd,
    optimize_cmd,
    report_cmd,
    run_cmd,
    scenario_cmds,
)
