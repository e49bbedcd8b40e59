"""Self-contained HTML reports of run, compare and optimize result directories."""

from loyalsim.report.build import REPORT_NAME, write_report

__all__ = ["REPORT_NAME", "write_report"]
