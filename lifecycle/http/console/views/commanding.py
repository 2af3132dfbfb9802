"""Running a command for the console: the API's way (the same `execute`, actor of the
staff member, read models caught up after a write), and forms read into command fields."""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from lifecycle.staff import Session


def _run(services, raw: dict, actor: str) -> dict:
    services.before_writes()
    result = services.app.execute(raw, actor=actor, today=services.today())
    if result["ok"] and (result.get("events") or result.get("unmatched")):
        services.catch_up()
    return result


async def run(request, raw: dict, session: Session) -> dict:
    """SPEC §8's result of one command recorded as the staff member (`console:<name>`)."""
    raw = {k: v for k, v in raw.items() if k != "actor"}
    return await run_in_threadpool(_run, request.app.state.services, raw, session.actor)


def text(form: FormData, name: str) -> str | None:
    """A text field, trimmed; None when empty (the command then says what is missing)."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def integer(form: FormData, name: str) -> int | str | None:
    """A whole number as typed ("11,000" and full-width digits accepted); the text itself
    when it is not one, so the command refuses it with its own sentence."""
    import unicodedata

    value = text(form, name)
    if value is None:
        return None
    plain = unicodedata.normalize("NFKC", value).replace(",", "")
    return int(plain) if plain.isdigit() else value


class Kept:
    """What the clerk typed, to show again beside a refusal (never the CSRF token); on a
    first showing (no form), the defaults."""

    def __init__(self, form: FormData | None = None, **defaults: str):
        self._values: dict[str, list[str]] = {}
        if form is None:
            self._values = {k: [v] for k, v in defaults.items()}
            return
        for key, value in form.multi_items():
            if isinstance(value, str) and key != "csrf":
                self._values.setdefault(key, []).append(value)

    def get(self, name: str, default: str = "") -> str:
        values = self._values.get(name)
        return values[0] if values else default

    def has(self, name: str, value: str) -> bool:
        return value in self._values.get(name, [])
