"""A sweep's result names the holder of every event it recorded; every other command's
result keeps the shape of SPEC §8 (events shaped like `history --json` entries)."""

from __future__ import annotations

from datetime import date

from lifecycle.application import LifecycleApplication
from lifecycle.demo.population import certification_commands
from lifecycle.settings import Settings

from .cli_driver import EVENT_KEYS, apply_ok, exam_pass

TODAY = date(2026, 11, 1)
HOLDERS = ("S00001", "S00002")


def _certified(number: str, index: int) -> list[dict]:
    """CAP, period 2027-04-01 … 2030-03-31: the window opens 2030-01-01."""
    return certification_commands(number, f"P26-{index:04d}", f"B{index:04d}", name="n",
                                  name_kana="コンケン")


def _by_holder(events: list[dict]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for event in events:
        found.setdefault(event["holder"], []).append(event["type"])
    return found


def test_apply_of_a_sweep_names_each_events_holder_and_other_results_do_not(db_url):
    results = apply_ok(db_url, [*_certified(HOLDERS[0], 1), *_certified(HOLDERS[1], 2),
                                exam_pass("S00003", "CAP", "P26-0003", "2026-06-15"),
                                {"type": "sweep", "as_of": "2030-01-01"}])
    *commands, swept = results
    for result in commands:
        for event in result["events"]:
            assert set(event) == EVENT_KEYS, event
    assert _by_holder(swept["events"]) == {
        HOLDERS[0]: ["RenewalWindowOpened"], HOLDERS[1]: ["RenewalWindowOpened"],
        "S00003": ["PassReportExpired"]}
    app = LifecycleApplication(Settings(database_url=db_url))
    for event in swept["events"]:
        entry = {k: v for k, v in event.items() if k != "holder"}
        assert entry in app.history(event["holder"])["events"]
    app.close()


def test_a_sweep_without_read_models_names_the_holders_too(db_url):
    app = LifecycleApplication(Settings(database_url=db_url, audit_rate=0))
    for index, number in enumerate(HOLDERS, start=1):
        for command in _certified(number, index):
            assert app.execute(command, actor="test", today=TODAY)["ok"]
    result = app.execute({"type": "sweep", "as_of": "2030-04-01"}, actor="scheduler",
                         today=date(2030, 4, 1))
    assert result["ok"] is True and set(result) == {"ok", "events"}
    assert _by_holder(result["events"]) == {
        number: ["RenewalWindowOpened", "Lapsed"] for number in HOLDERS}
    again = app.execute({"type": "sweep", "as_of": "2030-04-01"}, actor="scheduler",
                        today=date(2030, 4, 1))
    assert again == {"ok": True, "events": []}
    app.close()
