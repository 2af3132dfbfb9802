"""`python -m bench`: it finds every bench script, runs it, and gathers what it recorded."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from bench import __main__ as runner
from bench import options

FAKE = """
import argparse, sys
from bench import options
parser = argparse.ArgumentParser()
parser.add_argument("--store")
parser.add_argument("--size", type=int, default=1000)
options.add_common(parser, quick={"size": 2})
args = parser.parse_args()
options.record(args.summary, store=args.store, size=f"{args.size} things", figure="rate",
               value=args.size * 5, unit="things/s", baseline="bare", baseline_value=20)
sys.exit(EXIT)
"""


def fake_script(tmp_path, exit_code=0):
    script = tmp_path / "bench_fake.py"
    script.write_text(textwrap.dedent(FAKE).replace("EXIT", str(exit_code)))
    return script


def test_every_bench_script_is_found_by_its_name():
    found = runner.scripts()
    assert {"api", "queries", "rebuild", "sweep", "write"} <= set(found)
    assert all(path.name == f"bench_{name}.py" for name, path in found.items())


def test_a_quick_run_gathers_the_figures_the_script_recorded(tmp_path):
    result = runner.run("fake", fake_script(tmp_path), "sqlite", quick=True, extra=[])
    assert result["code"] == 0
    assert [(r["size"], r["value"], r["baseline_value"]) for r in result["rows"]] == [
        ("2 things", 10, 20)]
    assert "| fake | sqlite | 2 things | rate | 10.0 things/s | bare 20.0 things/s | 0.50× |" \
        in runner.table([result])


def test_an_explicit_size_wins_over_quick(tmp_path):
    result = runner.run("fake", fake_script(tmp_path), "sqlite", quick=True,
                        extra=["--size", "8"])
    assert result["rows"][0]["value"] == 40


def test_a_failing_script_is_reported_in_the_table(tmp_path):
    result = runner.run("fake", fake_script(tmp_path, exit_code=1), "postgres", quick=False,
                        extra=[])
    assert "| fake | postgres | **failed** (exit 1) |" in runner.table([result])


def test_a_script_with_nothing_to_measure_on_a_store_is_not_run_rather_than_failed(tmp_path):
    result = runner.run("fake", fake_script(tmp_path, exit_code=options.NOT_APPLICABLE),
                        "sqlite", quick=True, extra=[])
    assert "code" not in result
    assert "| fake | sqlite | not run: nothing to measure" in runner.table([result])


@pytest.mark.parametrize("name", sorted(runner.scripts()))
def test_every_bench_script_takes_the_runners_options(name):
    help_text = subprocess.run([sys.executable, str(runner.scripts()[name]), "--help"],
                               capture_output=True, text=True, check=True).stdout
    for option in ("--store", "--quick", "--summary"):
        assert option in help_text
