"""A realistic, deterministic population: each holder's story as a generator of commands.

A story yields `(business date, command)` and receives the command's result, so it can react
(a certification number for the renewal fee's payer name, a failed audit). Stories walk every
path of SPEC.md: certified and renewed, lapsed, rejected and re-applied, audited with
disallowed entries, underpaid, credit before the form, company transfers, expired pass
reports, operation qualifications. The same seed gives the same population.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from datetime import date, timedelta
from decimal import Decimal

from aggregates import fiscal_calendar
from aggregates.audit import selected_for_audit
from aggregates.fees import fee_due

Story = Generator[tuple[date, dict], dict, None]

FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
FAMILY_KANA = ["サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ヤマモト",
               "ナカムラ", "コバヤシ", "カトウ"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "健太", "由美", "翔", "陽子"]
GIVEN_KANA = ["タロウ", "ハナコ", "イチロウ", "ミサキ", "ケンタ", "ユミ", "ショウ", "ヨウコ"]
COMPANY_TRANSFER = 33_000  # one company transfer pays for three holders
PATHS = ["renewing", "renewing", "renewing", "lapsing", "rejected_then_certified",
         "underpaid", "never_applied", "credit_first", "company_paid", "operation"]


class Population:
    def __init__(self, seed: int, holders: int, until: date, audit_rate: Decimal,
                 audit_seed: str = ""):
        self.seed, self.count, self.until = seed, holders, until
        self.audit_rate, self.audit_seed = audit_rate, audit_seed

    def stories(self) -> list[Story]:
        return [self.story(i) for i in range(self.count)]

    def story(self, i: int) -> Story:
        rng = random.Random(f"{self.seed}:{i}")
        return HolderStory(self, rng, f"H{i + 1:05d}", i).run()


class HolderStory:
    def __init__(self, population: Population, rng: random.Random, number: str, index: int):
        self.p, self.rng, self.number, self.index = population, rng, number, index
        family, given = rng.randrange(len(FAMILY)), rng.randrange(len(GIVEN))
        self.name = f"{FAMILY[family]} {GIVEN[given]}"
        self.kana = f"{FAMILY_KANA[family]}{GIVEN_KANA[given]}"
        self.path = PATHS[index % len(PATHS)]
        self.qualification = "CAP" if rng.random() < 0.5 else "OMP"
        self.references = 0

    def _cmd(self, kind: str, **fields) -> dict:
        return {"type": kind, "holder": self.number, **fields}

    def _reference(self) -> str:
        self.references += 1
        return f"D-{self.number}-{self.references}"

    def _payer(self, number: str) -> str:
        digits = "".join(c for c in number if c.isdigit())[-4:]
        return f"{digits} {self.kana}"  # as a bank prints it: with a space

    def run(self) -> Story:
        issued = date(2015, 4, 1) + timedelta(days=self.rng.randrange(0, 365 * 11 + 180))
        if issued > self.p.until:
            issued = self.p.until - timedelta(days=30)
        if self.path == "operation":
            yield issued, self._exam("SV", issued)
            return
        yield issued, self._exam(self.qualification, issued)
        if self.rng.random() < 0.2:  # some also hold an operation qualification
            yield issued + timedelta(days=3), self._exam("OP", issued + timedelta(days=3))
        if self.path == "never_applied":
            return
        yield from self._first_certification(issued)

    def _exam(self, qualification: str, issued: date) -> dict:
        prefix = {"CAP": "PC", "OMP": "PM", "SV": "PS", "OP": "PO", "EN": "PE"}[qualification]
        return self._cmd("record_exam_pass", qualification=qualification,
                         pass_number=f"{prefix}{issued:%y}-{self.index:06d}",
                         issued_on=issued.isoformat(), name=self.name, name_kana=self.kana,
                         email=f"holder{self.index}@example.jp")

    def _application(self, on: date, *, with_copy: bool = True) -> dict:
        required = 4 if self.qualification == "OMP" else 6
        org = f"会社{self.index % 7}"
        signed = {"name": "上司", "organization": org, "signed_on": on.isoformat()}
        first_end = date(on.year - 2, on.month, 1)
        return self._cmd(
            "file_application", qualification=self.qualification, on=on.isoformat(),
            ethics_pledge_signed_on=on.isoformat(), pass_report_copy=with_copy,
            experience=[
                {"organization": org, "from": f"{on.year - 7}-{on.month:02d}",
                 "to": f"{first_end:%Y-%m}", "fields": [required, 1], "supervisor": signed},
                {"organization": "前職", "from": f"{on.year - 9}-01", "to": f"{on.year - 8}-12",
                 "fields": [2], "supervisor": {"name": "前上司", "organization": "別会社",
                                               "signed_on": on.isoformat()}},
            ],
            substitutions=[{"kind": "training", "name": "研修", "months": 12}],
        )

    def _payment(self, purpose: str, number: str, on: date, amount: int | None = None) -> dict:
        return self._cmd("record_payment", purpose=purpose, qualification=self.qualification,
                         amount=amount or fee_due(on), paid_on=on.isoformat(),
                         payer_name=self._payer(number), bank_reference=self._reference())

    def _first_certification(self, issued: date) -> Story:
        pass_number = f"{'PC' if self.qualification == 'CAP' else 'PM'}{issued:%y}-{self.index:06d}"
        last_day = fiscal_calendar.pass_report_valid_until(issued)
        filed = min(issued + timedelta(days=self.rng.randrange(20, 400)), last_day)
        if filed > self.p.until:
            return
        if self.path == "credit_first":
            yield filed - timedelta(days=2), self._payment("certification", pass_number,
                                                            filed - timedelta(days=2))
        if self.path == "rejected_then_certified":
            yield filed, self._application(filed, with_copy=False)
            yield filed + timedelta(days=2), self._payment("certification", pass_number,
                                                            filed + timedelta(days=2))
            yield filed + timedelta(days=20), self._cmd(
                "decide_application", qualification=self.qualification,
                on=(filed + timedelta(days=20)).isoformat(), decision="reject",
                reasons=["DOCUMENTS_MISSING"])
            filed = min(filed + timedelta(days=40), last_day)
        yield filed, self._application(filed)
        if self.path == "underpaid":
            yield filed + timedelta(days=3), self._payment(
                "certification", pass_number, filed + timedelta(days=3), amount=10_000)
            return
        if self.path == "company_paid":
            day = filed + timedelta(days=3)
            yield day, self._cmd("record_payment", purpose="certification",
                                 qualification=self.qualification, amount=fee_due(day),
                                 paid_on=day.isoformat(), bank_reference=f"CO-{self.index // 30}",
                                 allocated_by="clerk-sato", transfer_amount=COMPANY_TRANSFER)
        elif self.path != "credit_first":
            yield filed + timedelta(days=5), self._payment("certification", pass_number,
                                                            filed + timedelta(days=5))
        decided = filed + timedelta(days=30)
        result = yield decided, self._cmd("decide_application", qualification=self.qualification,
                                          on=decided.isoformat(), decision="certify")
        certified = _event(result, "Certified")
        if certified is None:
            return
        yield from self._cycles(certified["data"], decided)

    def _cycles(self, certified: dict, decided: date) -> Story:
        number = certified["certification_number"]
        valid_from = date.fromisoformat(certified["valid_from"])
        valid_until = date.fromisoformat(certified["valid_until"])
        while True:
            yield from self._cpd(valid_from, valid_until, not_before=decided)
            window = fiscal_calendar.renewal_window(valid_until)
            if self.path == "lapsing" or window.opens_on > self.p.until:
                return
            asked = window.opens_on + timedelta(days=self.rng.randrange(0, 40))
            yield asked, self._cmd("request_renewal", qualification=self.qualification,
                                   on=asked.isoformat(), ethics_pledge_signed_on=asked.isoformat())
            yield asked, self._payment("renewal", number, asked)
            if selected_for_audit(self.p.audit_seed, self.number, self.qualification,
                                  valid_until, self.p.audit_rate):
                yield asked + timedelta(days=7), self._cmd(
                    "complete_audit", qualification=self.qualification,
                    on=(asked + timedelta(days=7)).isoformat(),
                    disallowed_entries=[f"{valid_until.year}-B0"])
            decided = asked + timedelta(days=10)
            result = yield decided, self._cmd("decide_renewal", qualification=self.qualification,
                                              on=decided.isoformat(), decision="renew")
            renewed = _event(result, "Renewed")
            if renewed is None:
                return
            decided = max(decided, date.fromisoformat(renewed["business_date"]))
            valid_from = date.fromisoformat(renewed["data"]["valid_from"])
            valid_until = date.fromisoformat(renewed["data"]["valid_until"])

    def _cpd(self, valid_from: date, valid_until: date, not_before: date) -> Story:
        """Enough for renewal even after an audit disallows one entry: A 20 h, B 5 h a year,
        C 3 h; some entry logged twice by mistake and withdrawn."""
        tag = valid_until.year
        entries = [("A0", "A", None, valid_from + timedelta(days=40), "10"),
                   ("A1", "A", None, valid_from + timedelta(days=400), "10"),
                   ("C0", "C", 3, valid_from + timedelta(days=500), "3")]
        entries += [(f"B{y}", "B", 4, valid_from + timedelta(days=60 + 365 * y), "5")
                    for y in range(3)]
        for key, category, field_no, day, hours in sorted(entries, key=lambda e: e[3]):
            logged = max(day + timedelta(days=self.rng.randrange(1, 20)), not_before)
            if logged > self.p.until or day > valid_until:
                continue
            command = self._cmd("log_cpd", entry_id=f"{tag}-{key}", category=category,
                                activity_on=day.isoformat(), hours=hours,
                                title="コンタクトセンター研修", provider="協会",
                                on=logged.isoformat())
            if field_no is not None:
                command["field"] = field_no
            yield logged, command
        day = max(valid_from + timedelta(days=80), not_before)
        if self.rng.random() < 0.3 and day + timedelta(days=5) <= min(self.p.until, valid_until):
            yield day, self._cmd("log_cpd", entry_id=f"{tag}-X", category="A",
                                 activity_on=day.isoformat(), hours="2", title="重複",
                                 provider="協会", on=day.isoformat())
            yield day + timedelta(days=5), self._cmd(
                "withdraw_cpd", entry_id=f"{tag}-X", reason="entered twice",
                on=(day + timedelta(days=5)).isoformat())


def _event(result: dict | None, kind: str) -> dict | None:
    if not result or not result.get("ok"):
        return None
    return next((e for e in result["events"] if e["type"] == kind), None)


def certification_commands(
    holder: str, pass_number: str, bank_reference: str, *, name: str = "今田 太郎",
    name_kana: str = "コンケンタロウ",
) -> list[dict]:
    """The four commands that take one holder from a CAP pass (2026-06-15) to certification
    (2026-10-01; period 2027-04-01 … 2030-03-31, SPEC §9 example 2): for tests and benchmarks."""
    payer = "".join(c for c in pass_number if c.isdigit())[-4:] + name_kana
    return [
        {"type": "record_exam_pass", "holder": holder, "qualification": "CAP",
         "pass_number": pass_number, "issued_on": "2026-06-15", "name": name,
         "name_kana": name_kana},
        {"type": "file_application", "holder": holder, "qualification": "CAP",
         "on": "2026-09-01", "ethics_pledge_signed_on": "2026-08-30", "pass_report_copy": True,
         "experience": [{"organization": "A", "from": "2018-01", "to": "2022-12",
                         "fields": [4, 6],
                         "supervisor": {"name": "S", "organization": "A",
                                        "signed_on": "2026-08-01"}}]},
        {"type": "record_payment", "holder": holder, "purpose": "certification",
         "qualification": "CAP", "amount": 11000, "paid_on": "2026-09-03",
         "payer_name": payer, "bank_reference": bank_reference},
        {"type": "decide_application", "holder": holder, "qualification": "CAP",
         "on": "2026-10-01", "decision": "certify"},
    ]
