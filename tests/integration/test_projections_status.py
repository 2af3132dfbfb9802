"""The read model agrees with the event store: after random sequences of valid and invalid
commands, for every holder and several as-of dates on or after the holder's last business
date, the status computed in SQL equals `app.status` — on SQLite and PostgreSQL.

Catch-ups run at random points with small pages, so holders' events are split across
pages and transactions, and states are resumed from the stored fold.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import date, timedelta
from decimal import Decimal

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from aggregates.sweep import due_facts
from lifecycle.application import LifecycleApplication
from lifecycle.settings import Settings
from projections import queries
from projections.database import read_engine
from projections.runner import Runner

PEOPLE = {"H1": ("一 郎", "イチロウ"), "H2": ("二 郎", "ジロウ"), "H3": ("三 郎", "サブロウ")}
START = date(2026, 4, 1)
STEPS = [-20, 0, 1, 7, 30, 90, 180, 365, 500]
KINDS = ["exam", "apply", "pay", "decide_app", "cpd", "cpd", "withdraw", "jump_window",
         "request", "pay_renewal", "audit", "decide_renewal", "sweep", "catch_up",
         *["advance"] * 14]


@contextlib.contextmanager
def fresh_store(base_url: str, tmp_dir):
    """An empty event store (and read model beside it) for one hypothesis example."""
    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_dir / uuid.uuid4().hex}.db"
        return
    schema = f"p_{uuid.uuid4().hex[:16]}"
    server = url.difference_update_query(["schema"])
    connect = dict(host=server.host, port=server.port or 5432, user=server.username,
                   password=server.password or "", dbname=server.database, autocommit=True)
    with psycopg.connect(**connect) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{server.render_as_string(hide_password=False)}?schema={schema}"
    finally:
        with psycopg.connect(**connect) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class Script:
    """Draws commands, mostly plausible so that deep states (renewal, audit, lapse) are
    reached, some deliberately wrong (bad payer, duplicates, out of window, past dates)."""

    def __init__(self, data, app: LifecycleApplication):
        self.data, self.app = data, app
        self.clock = START
        self.passes = 0
        self.references = 0
        self.entries: dict[str, list[str]] = {h: [] for h in PEOPLE}
        self.careful = False  # inside `advance`: draw only the valid variants

    def draw(self, strategy):
        return self.data.draw(strategy)

    def state(self, holder: str):
        found = self.app.find(holder)
        return found.state if found else None

    def step(self) -> dict | None:
        holder = self.draw(st.sampled_from(sorted(PEOPLE)))
        qual = self.draw(st.sampled_from(["CAP", "OMP", "CAP", "SV"]))
        kind = self.draw(st.sampled_from(KINDS))
        if kind == "advance":
            return self.advance(holder, qual)
        self.clock += timedelta(days=self.draw(st.sampled_from(STEPS)))
        return self.noise(kind, holder, qual)

    def advance(self, holder: str, qual: str) -> dict | None:
        """The next command that moves this holder's qualification on, mostly valid."""
        self.clock += timedelta(days=self.draw(st.sampled_from([0, 1, 10, 60])))
        self.careful = True
        try:
            return self._advance(holder, qual)
        finally:
            self.careful = False

    def _advance(self, holder: str, qual: str) -> dict | None:
        state = self.state(holder)
        record = state.qualifications.get(qual) if state else None
        cert = record.certification if record else None
        if record is None or not record.passes or (cert and cert.is_lapsed_on(self.clock)
                                                   and not record.open_application()):
            kind = "exam" if record is None or self.draw(st.booleans()) else "apply"
            return self.noise(kind, holder, qual)
        application = record.open_application()
        if application is not None:
            kind = "decide_app" if application.accepted_on else "pay"
            return self.noise(kind, holder, qual)
        if cert is None:
            return self.noise("apply", holder, qual)
        period = cert.last_period
        if self.clock < period.valid_from:
            self.clock = period.valid_from + timedelta(days=self.draw(st.sampled_from([0, 200])))
        request = cert.open_request()
        if request is not None:
            if request.accepted_on is None:
                return self.noise("pay_renewal", holder, qual)
            return self.noise("audit" if request.audit_open else "decide_renewal", holder, qual)
        if self.clock < period.window.opens_on and self.draw(st.booleans()):
            return self.noise("cpd", holder, qual)
        if self.clock < period.window.opens_on:
            self.jump_to_window(holder, qual)
        return self.noise("request", holder, qual)

    def noise(self, kind: str, holder: str, qual: str) -> dict | None:
        on = self.clock.isoformat()
        base = {"holder": holder, "qualification": qual}
        if kind == "exam":
            self.passes += 1
            number = f"P{self.passes:06d}" if self.draw(st.booleans()) or self.passes == 1 \
                else f"P{self.draw(st.integers(1, self.passes)):06d}"
            name, kana = PEOPLE[holder]
            return {"type": "record_exam_pass", **base, "pass_number": number,
                    "issued_on": on, "name": name, "name_kana": kana}
        if kind == "apply":
            field = {"CAP": 6, "OMP": 4}.get(qual, 4)
            signer = {"name": "S", "organization": "ACME", "signed_on": on}
            experience = [
                {"organization": "ACME", "from": "2015-01", "to": "2019-12", "fields": [field],
                 "supervisor": signer},
                {"organization": "ACME", "from": "2020-01", "to": "2020-12", "fields": [1],
                 "supervisor": signer},
            ]
            if not self.careful and not self.draw(st.booleans()):
                experience = experience[:1]  # one field only: FIELDS_INSUFFICIENT
            return {"type": "file_application", **base, "on": on, "experience": experience,
                    "substitutions": [], "ethics_pledge_signed_on": on,
                    "pass_report_copy": True}
        if kind in ("pay", "pay_renewal"):
            return self.payment(holder, qual, kind == "pay_renewal")
        if kind == "decide_app":
            decision = self.draw(st.sampled_from(["certify", "certify", "certify", "reject"]))
            return {"type": "decide_application", **base, "on": on, "decision": decision,
                    "reasons": ["r"]}
        if kind == "cpd":
            self.entries[holder].append(f"e{len(self.entries[holder])}")
            entry = self.entries[holder][-1]
            category = self.draw(st.sampled_from("AABCD"))
            activity = self.clock - timedelta(days=self.draw(st.sampled_from([0, 40, 200, 400])))
            hours = self.draw(st.sampled_from(["3", "5", "12.5", "20", "30"]))
            return {"type": "log_cpd", "holder": holder, "entry_id": entry,
                    "category": category, "field": 4, "activity_on": activity.isoformat(),
                    "hours": hours, "title": "t", "provider": "p", "on": on}
        if kind == "withdraw" and self.entries[holder]:
            entry = self.draw(st.sampled_from(self.entries[holder]))
            return {"type": "withdraw_cpd", "holder": holder, "entry_id": entry, "on": on}
        if kind == "jump_window":
            self.jump_to_window(holder, qual)
            return None
        if kind == "request":
            return {"type": "request_renewal", **base, "on": on, "ethics_pledge_signed_on": on}
        if kind == "audit":
            known = self.entries[holder]
            disallowed = self.draw(st.lists(st.sampled_from(known), max_size=2)) if known else []
            return {"type": "complete_audit", **base, "on": on, "disallowed_entries": disallowed}
        if kind == "decide_renewal":
            decision = self.draw(st.sampled_from(["renew", "renew", "reject"]))
            return {"type": "decide_renewal", **base, "on": on, "decision": decision,
                    "reasons": ["r"]}
        if kind == "sweep":
            return {"type": "sweep", "as_of": on}
        return None

    def payment(self, holder: str, qual: str, renewal: bool) -> dict:
        state = self.state(holder)
        record = state.qualifications.get(qual) if state else None
        number = "0000"
        if record is not None and renewal and record.certification is not None:
            number = record.certification.number
        elif record is not None and record.passes:
            application = record.open_application()
            number = application.pass_number if application else record.latest_pass().pass_number
        digits = "".join(ch for ch in number if ch.isdigit())[-4:]
        sloppy = not self.careful
        kana = "ベツジン" if sloppy and not self.draw(st.integers(0, 5)) else PEOPLE[holder][1]
        self.references += 1
        reused = sloppy and not self.draw(st.integers(0, 5))
        reference = "B1" if reused else f"B{self.references}"
        amounts = [11000, 11000, 5000, 6000, 12000] if sloppy else [11000, 11000, 6000, 12000]
        amount = self.draw(st.sampled_from(amounts))
        return {"type": "record_payment", "holder": holder, "qualification": qual,
                "purpose": "renewal" if renewal else "certification", "amount": amount,
                "paid_on": self.clock.isoformat(), "payer_name": f"{digits}{kana}",
                "bank_reference": reference}

    def jump_to_window(self, holder: str, qual: str) -> None:
        state = self.state(holder)
        record = state.qualifications.get(qual) if state else None
        if record is None or record.certification is None:
            return
        window = record.certification.last_period.window
        target = window.opens_on + timedelta(days=self.draw(st.sampled_from([0, 20, 58])))
        self.clock = max(self.clock, target)


def check_dates(app_status: dict, last: date) -> set[date]:
    """As-of dates on or after `last`: a spread, and both sides of every boundary shown."""
    dates = {last + timedelta(days=n) for n in (0, 1, 45, 400, 1200, 2500)}
    for q in app_status["qualifications"].values():
        window = q["renewal_window"] or {}
        for text in (q["valid_from"], q["valid_until"], q["pass_report_valid_until"],
                     window.get("opens_on"), window.get("closes_on")):
            if text:
                day = date.fromisoformat(text)
                dates |= {day - timedelta(days=1), day, day + timedelta(days=1)}
    return {d for d in dates if d >= last}


def assert_read_model_agrees(app: LifecycleApplication, engine) -> int:
    checked = 0
    for holder in PEOPLE:
        aggregate = app.find(holder)
        if aggregate is None:
            assert queries.holder_status(engine, holder, START) is None
            continue
        last = aggregate.state.last_business_date
        for on in sorted(check_dates(app.status(holder, last), last)):
            expected = app.status(holder, on)
            assert queries.holder_status(engine, holder, on) == expected, (holder, on)
            for code, q in expected["qualifications"].items():
                listed = queries.credentials(engine, as_of=on, qualification=code,
                                             status=q["status"], limit=10)
                assert holder in [i["holder"] for i in listed.items], (holder, code, on, q)
                assert {i["status"] for i in listed.items} == {q["status"]}, (holder, on)
            due = bool(due_facts(aggregate.state, on))
            assert (holder in queries.holders_due(engine, on)) == due, (holder, on)
            checked += 1
    return checked


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_read_model_status_equals_event_store_status(db_url, tmp_path_factory, data):
    with fresh_store(db_url, tmp_path_factory.mktemp("store")) as url:
        config = Settings(database_url=url, audit_rate=Decimal("0.5"), audit_seed="p")
        app = LifecycleApplication(config)
        engine = read_engine(config.sqlalchemy_url(), config.schema)
        page = data.draw(st.sampled_from([1, 3, 1000]), label="page size")
        runner = Runner(app, engine, page_size=page, cache_size=data.draw(
            st.sampled_from([1, 1000]), label="cache size"))
        try:
            script = Script(data, app)
            for _ in range(data.draw(st.integers(10, 60), label="steps")):
                command = script.step()
                if command is None:
                    if data.draw(st.booleans()):
                        runner.catch_up()
                    continue
                app.execute(command, actor="hypothesis", today=script.clock)
            runner.catch_up()
            assert runner.progress().lag == 0
            assert_read_model_agrees(app, engine)
        finally:
            app.close()
            engine.dispose()
