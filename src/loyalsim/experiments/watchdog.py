"""Worker processes end when the process that started them dies.

A SIGKILL of the main process cannot run any clean-up, so each worker watches its parent: a
daemon thread checks every second whether it has been re-parented (the parent died) and then
exits at once. Workers of ``compare --jobs`` and ``optimize --jobs`` install it first thing.
"""

from __future__ import annotations

import os
import threading
import time

ORPHAN_EXIT = 75
"""Exit status of a worker that ended because its parent died."""


def watch_parent(interval: float = 1.0) -> None:
    """Exit this process (without clean-up, as its parent did) once its parent is gone."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(ORPHAN_EXIT)

    threading.Thread(target=watch, name="loyalsim-parent-watch", daemon=True).start()
