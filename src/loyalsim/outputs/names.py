"""Names that become paths inside an output folder (compare's design folders) must not clash
with the folder's own files, hide themselves, or exceed what file systems allow."""

from __future__ import annotations

from loyalsim.errors import LoyalsimError

OUTPUT_SUFFIXES = (".html", ".csv", ".json", ".png", ".yaml", ".yml", ".md", ".db", ".parquet")
"""Suffixes of the files loyalsim writes; a design named like one could clash with a file."""
NAME_LIMIT = 100


def check_arm_name(name: str, source: str) -> None:
    """Refuse a design name that cannot be a folder beside compare's own files."""
    lowered = name.lower()
    if lowered.endswith(OUTPUT_SUFFIXES):
        raise LoyalsimError(
            f"{source}: the design name '{name}' ends like an output file "
            f"({', '.join(OUTPUT_SUFFIXES)}); each design gets a folder of that name beside "
            "comparison.csv and report.html",
            hint="choose another name, for example without the suffix",
        )
    if len(name) > NAME_LIMIT:
        raise LoyalsimError(
            f"{source}: the design name is {len(name)} characters long; at most {NAME_LIMIT} "
            "(it names a folder)"
        )
