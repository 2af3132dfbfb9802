"""The embedded SQLite default needs nothing from the `postgres` extra.

Each check runs in a fresh interpreter where importing psycopg (or psycopg_pool) fails, as
it does after a plain `pip install .`; the commands are the ones a new user types first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs the CLI with the PostgreSQL driver unimportable; argv[1] is a JSON list of
# command lines, each run in turn; a non-zero exit stops with that code.
DRIVER = """
import json, sys
sys.modules["psycopg"] = None  # `import psycopg` now raises ImportError
sys.modules["psycopg_pool"] = None
from lifecycle.cli import main
for args in json.loads(sys.argv[1]):
    if args == ["<serve start-up>"]:
        from fastapi.testclient import TestClient
        from lifecycle.http import create_app
        from lifecycle.http.auth import Tokens
        from lifecycle.settings import Settings
        app = create_app(Settings(database_url=sys.argv[2]), tokens=Tokens.from_env())
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            answer = client.get("/holders/H00005/status",
                                headers={"Authorization": "Bearer t0ken-of-a-reader"})
            assert answer.status_code == 200, answer.text
        print("serve started")
        continue
    try:
        main(args, prog_name="lifecycle", standalone_mode=True)
    except SystemExit as done:
        if done.code not in (0, None):
            sys.exit(done.code)
assert "psycopg" not in [m.split(".")[0] for m in sys.modules if sys.modules[m] is not None]
"""


def run_without_psycopg(commands: list[list[str]], url: str, cwd: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECYCLE_")}
    env.update(LIFECYCLE_AUDIT_RATE="0", LIFECYCLE_API_TOKENS="ci:reader:t0ken-of-a-reader",
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", DRIVER, json.dumps(commands), url],
                          cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=300)


def test_the_first_commands_of_a_new_user_run_without_psycopg(tmp_path):
    url = f"sqlite:///{tmp_path / 'lifecycle.db'}"
    done = run_without_psycopg([
        ["--db", url, "demo", "--holders", "20"],
        ["--db", url, "sweep"],
        ["--db", url, "status", "H00005", "--json"],
        ["--db", url, "history", "H00005", "--csv"],
        ["--db", url, "query", "windows", "--opens-between", "2026-01-01", "2027-12-31",
         "--csv"],
        ["--db", url, "export", "credentials", "--output", str(tmp_path / "out.csv")],
        ["<serve start-up>"],
    ], url, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "No module named" not in done.stderr
    assert '"holder": "H00005"' in done.stdout
    assert "serve started" in done.stdout
    assert (tmp_path / "out.csv").read_text(encoding="utf-8-sig").startswith("holder,")


def test_the_check_itself_fails_when_psycopg_is_needed(tmp_path):
    """The blocking works: a command that does need psycopg fails under the driver."""
    url = f"sqlite:///{tmp_path / 'lifecycle.db'}"
    done = run_without_psycopg(
        [["--db", "postgresql://postgres@127.0.0.1:5432/test", "status", "H1"]], url, tmp_path)
    assert done.returncode != 0
    assert "psycopg" in done.stderr
