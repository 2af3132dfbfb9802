"""What every bench script accepts, so that `python -m bench` can run any of them alike.

- `--store sqlite|postgres`: the store to measure (each script declares its own). A script
  that has nothing to measure on a store says why and exits with `NOT_APPLICABLE`
  (`not_applicable`); the runner lists it as not run, not as failed.
- `--quick`: small sizes, seconds rather than minutes: a smoke run of the whole path whose
  figures are only indicative (explicit size options still win over it).
- `--summary FILE`: append the run's headline figures to FILE, one JSON object a line, for
  the runner's table. A figure may name a baseline measured in the same run (the bare
  library, the bare read-and-decode loop) or a target; the ratio is value / baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_common(parser: argparse.ArgumentParser, quick: dict, argv: list[str] | None = None,
               ) -> None:
    """Adds --quick (which sets `quick` as the defaults) and --summary."""
    parser.add_argument("--quick", action="store_true",
                        help="small sizes for a smoke run: " + ", ".join(
                            f"{k.replace('_', '-')}={v}" for k, v in quick.items()))
    add_summary(parser)
    if "--quick" in (sys.argv[1:] if argv is None else argv):
        parser.set_defaults(**quick)


NOT_APPLICABLE = 3


def not_applicable(reason: str) -> None:
    """Ends a run that has nothing to measure on the store it was given."""
    print(f"not applicable: {reason}")
    sys.exit(NOT_APPLICABLE)


def add_summary(parser: argparse.ArgumentParser) -> None:
    """--summary alone, for a script that handles --quick itself."""
    parser.add_argument("--summary", type=Path, help="append headline figures (JSON lines)")


def record(path: Path | None, *, store: str, figure: str, value: float, unit: str,
           baseline: str | None = None, baseline_value: float | None = None,
           size: str = "") -> None:
    """Appends one headline figure (nothing when the run was not asked for a summary)."""
    if path is None:
        return
    row = {"store": store, "figure": figure, "value": value, "unit": unit,
           "baseline": baseline, "baseline_value": baseline_value, "size": size}
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
