"""The templates: Jinja2 over the office's own directory (LIFECYCLE_TEMPLATES_DIR) first,
then the ones shipped in the package, with date filters for both calendars.

HTML templates are autoescaped (a holder's name is data, not markup); plain-text e-mail
bodies (`*.txt`) are not.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

from aggregates.qualifications import NAMES
from lifecycle.documents.wareki import seireki, wareki

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"


def _iso(d: date | None) -> str:
    return "" if d is None else d.isoformat()


@functools.cache
def environment(templates_dir: str | None = None) -> Environment:
    loaders = [FileSystemLoader(templates_dir)] if templates_dir else []
    loaders.append(PackageLoader("lifecycle.documents", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=lambda name: name is not None and name.endswith(".html"),
        undefined=StrictUndefined,  # a misspelt field fails loudly, never prints blank
        keep_trailing_newline=True,
    )
    env.filters.update(wareki=wareki, seireki=seireki, iso=_iso,
                       qualification_name=lambda code: NAMES.get(code, code))
    return env


def render(name: str, context: dict, templates_dir: str | None = None) -> str:
    return environment(templates_dir).get_template(name).render(**context)


def render_blocks(name: str, context: dict, templates_dir: str | None = None
                  ) -> dict[str, str]:
    """Each named block of a template rendered on its own (a letter's `subject`, `body`),
    stripped of the blank lines around it."""
    template = environment(templates_dir).get_template(name)
    return {block: "".join(render(template.new_context(context))).strip("\n")
            for block, render in template.blocks.items()}
