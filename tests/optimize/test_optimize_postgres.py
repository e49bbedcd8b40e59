"""Two worker processes on one study in PostgreSQL: every trial recorded exactly once.

Uses ``LOYALSIM_TEST_POSTGRES_URL`` if set; otherwise starts a throwaway cluster with the
distribution's ``initdb``/``pg_ctl`` on 127.0.0.1 and a free port (as the ``postgres`` user
when running as root, since PostgreSQL refuses to run as root). Skipped, with the reason, when
neither is possible.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.service
psycopg = pytest.importorskip("psycopg", reason="PostgreSQL driver psycopg (3) not installed")


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(args: list[str], user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--", *args] if user else args


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    url = os.environ.get("LOYALSIM_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("no PostgreSQL: set LOYALSIM_TEST_POSTGRES_URL or install postgresql")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and no 'postgres' user to run the server as")
        if not shutil.which("runuser"):
            pytest.skip("running as root and no 'runuser' to drop privileges")
        user = "postgres"
    base = Path(tempfile.mkdtemp(prefix="loyalsim-pg-"))
    data = base / "data"
    if user:
        shutil.chown(base, user=user)
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(
        _as_owner([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"], user),
        check=True,
        capture_output=True,
        env=env,
    )
    options = f"-h 127.0.0.1 -p {port} -k {base}"
    start = [pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"]
    started = subprocess.run(_as_owner(start, user), capture_output=True, text=True, env=env)
    if started.returncode != 0:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        pytest.fail(f"pg_ctl start failed: {started.stderr}\n{log}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_owner([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], user),
            capture_output=True,
            env=env,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_two_workers_record_every_trial_once(
    postgres_url: str, tiny_file: Path, tmp_path: Path
) -> None:
    name = f"two-workers-{os.getpid()}"
    args = [
        "optimize",
        str(tiny_file),
        "--out",
        str(tmp_path / "run"),
        "--trials",
        "16",
        "--jobs",
        "2",
        "--storage",
        postgres_url,
        "--study-name",
        name,
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    run = subprocess.run(
        [sys.executable, "-c", "from loyalsim.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr

    with psycopg.connect(postgres_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT study_id FROM studies WHERE study_name = %s", (name,))
        (study_id,) = cur.fetchone()
        cur.execute("SELECT trial_id, number, state FROM trials WHERE study_id = %s", (study_id,))
        trials = cur.fetchall()
        cur.execute(
            "SELECT v.trial_id, count(*) FROM trial_values v JOIN trials t USING (trial_id) "
            "WHERE t.study_id = %s GROUP BY v.trial_id",
            (study_id,),
        )
        values = dict(cur.fetchall())
        cur.execute(
            "SELECT a.value_json FROM trial_user_attributes a JOIN trials t USING (trial_id) "
            "WHERE t.study_id = %s AND a.key = 'worker'",
            (study_id,),
        )
        workers = Counter(row[0] for row in cur.fetchall())
    numbers = sorted(n for _, n, _ in trials)
    assert numbers == list(range(len(trials)))  # each number once, none missing
    complete = [trial_id for trial_id, _, state in trials if state == "COMPLETE"]
    assert len(complete) == 16  # exactly the target: a trial that would overshoot is a surplus
    assert {state for _, _, state in trials} <= {"COMPLETE", "PRUNED"}  # surplus: PRUNED, unrun
    assert all(values.get(trial_id) == 2 for trial_id in complete)  # two objectives each
    assert len(workers) == 2 and sum(workers.values()) == len(trials)


def test_three_commands_on_an_empty_postgres_database(
    postgres_url: str, tiny_file: Path, tmp_path: Path
) -> None:
    from test_optimize_concurrent import start_three

    database = f"empty_{os.getpid()}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    start_three(tiny_file, tmp_path, postgres_url.rsplit("/", 1)[0] + f"/{database}")
