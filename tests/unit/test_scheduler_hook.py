"""The scheduler's daily job runs the runtime's `after_sweep` (the ledger's checkpoint) once
the sweep is done, with the sweep's date."""

from __future__ import annotations

from datetime import date

from schedulers import service
from schedulers.daily import Runtime


def test_the_daily_job_calls_the_hook_after_the_sweep(monkeypatch):
    calls = []
    runtime = Runtime(app=None, today=lambda: date(2030, 4, 1),
                      catch_up=lambda: calls.append("catch_up") or 0,
                      find_due=lambda as_of, after, limit: calls.append("find_due") or [],
                      after_sweep=lambda as_of: calls.append(("after_sweep", as_of)))
    monkeypatch.setattr(service, "_runtime", runtime)
    service.run_daily()
    assert calls == ["catch_up", "find_due", "catch_up", ("after_sweep", date(2030, 4, 1))]


def test_the_daily_job_runs_without_a_hook(monkeypatch):
    runtime = Runtime(app=None, today=lambda: date(2030, 4, 1),
                      find_due=lambda as_of, after, limit: [])
    monkeypatch.setattr(service, "_runtime", runtime)
    service.run_daily()  # nothing to assert but that it returns: no hook is not an error
