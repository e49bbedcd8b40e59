"""Where ``optimize`` keeps its live study while it runs.

With the default storage the study database lives in the output folder itself
(``OUT/study.db``), so every finished trial is on disk the moment it finishes and a killed run
resumes from it; the rest of the folder is written all-or-nothing at the end (see
:mod:`loyalsim.outputs.folder`), carrying the database over by hard link. A folder this command
created is removed again if the run fails before any trial counted (a full disk leaves nothing
behind).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from loyalsim.errors import OutputError
from loyalsim.experiments.optimize.storage import STUDY_FILES, default_url
from loyalsim.outputs.folder import Claim, os_error


@contextmanager
def study_home(place: Claim, storage: str | None) -> Iterator[str]:
    """Yield the storage URL of the study; with the default storage, prepare ``OUT/``."""
    if storage is not None:
        try:
            yield storage
        except Exception as exc:
            _translate(storage, exc)
            raise
        return
    target = place.target
    created = not target.exists()
    try:
        if place.foreign:  # --force over another study: start afresh
            for name in STUDY_FILES:
                (target / name).unlink(missing_ok=True)
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(target, exc) from None
    url = default_url(target)
    try:
        yield url
    except BaseException as exc:
        if created and not _has_counted_trials(url):
            shutil.rmtree(target, ignore_errors=True)
        if isinstance(exc, OSError):
            raise os_error(target, exc) from None
        _translate(url, exc)
        raise


def _translate(url: str, exc: BaseException) -> None:
    """A database error (disk full, read-only file, lost connection) as one line."""
    if type(exc).__module__.split(".")[0] == "sqlalchemy":
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise OutputError(f"study storage {url}: {reason}") from None


def _has_counted_trials(url: str) -> bool:
    try:
        import optuna

        from loyalsim.experiments.optimize.quota import finished_count

        summaries = optuna.get_all_study_summaries(storage=url)
        return any(
            finished_count(optuna.load_study(study_name=s.study_name, storage=url)) > 0
            for s in summaries
        )
    except Exception:
        return False
