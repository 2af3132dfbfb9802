"""認定証: one certificate per granted period — the first certification and each renewal —
under the certification number kept across renewals.

A first certificate is dated the day of the certification decision. A renewed one is
dated the renewal date (認定更新日, the new period's first day), the day the office
undertakes to have it delivered by; a renewal decided after that day (a request still
under review at expiry) is dated its decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from aggregates.qualifications import NAMES
from lifecycle.documents import pdf, templating
from projections.certificates import PeriodRow

TEMPLATE = "certificate.html"


@dataclass(frozen=True)
class Certificate:
    holder_number: str
    name: str
    name_kana: str
    qualification: str
    certification_number: str
    period_no: int
    valid_from: date
    valid_until: date
    issued_on: date

    @property
    def is_renewal(self) -> bool:
        return self.period_no > 0

    @property
    def qualification_name(self) -> str:
        return NAMES[self.qualification]

    @property
    def file_name(self) -> str:
        """CAP-2027-00001.pdf for the first certificate, CAP-2027-00001_r1.pdf for the first
        renewal: sorted by number, then period."""
        suffix = f"_r{self.period_no}" if self.is_renewal else ""
        return f"{self.certification_number}{suffix}.pdf"

    @classmethod
    def from_row(cls, row: PeriodRow) -> Certificate:
        issued_on = max(row.granted_on, row.valid_from) if row.period_no else row.granted_on
        return cls(row.holder_number, row.name, row.name_kana, row.qualification,
                   row.certification_number, row.period_no, row.valid_from, row.valid_until,
                   issued_on)


def certificate_html(certificates: Iterable[Certificate], *, body_name: str,
                     templates_dir: str | None = None) -> str:
    """One HTML document, one page per certificate."""
    return templating.render(TEMPLATE, {"certificates": list(certificates),
                                        "body_name": body_name}, templates_dir)


def render_certificates(certificates: Iterable[Certificate], *, body_name: str,
                        templates_dir: str | None = None, pages_per_document: int = 100
                        ) -> bytes:
    """One PDF of every certificate, in order (a merged batch for the printer). Laid out
    `pages_per_document` at a time and joined, so a long batch never holds every page's
    layout at once."""
    return pdf.join_pdfs(
        pdf.render_pdf(certificate_html(chunk, body_name=body_name,
                                        templates_dir=templates_dir),
                       template=TEMPLATE, templates_dir=templates_dir)
        for chunk in _chunks(certificates, pages_per_document))


def render_certificate(certificate: Certificate, *, body_name: str,
                       templates_dir: str | None = None) -> bytes:
    return pdf.render_pdf(certificate_html([certificate], body_name=body_name,
                                           templates_dir=templates_dir),
                          template=TEMPLATE, templates_dir=templates_dir)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
