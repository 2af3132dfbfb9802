"""The office's own templates (LIFECYCLE_TEMPLATES_DIR) win over the shipped ones; a
stylesheet it does not override still comes from the package."""

from __future__ import annotations

from datetime import date

import pytest

from lifecycle.documents.certificates import Certificate, render_certificate
from lifecycle.documents.templating import PACKAGE_TEMPLATES

from .documents_support import pdf_text

pytestmark = pytest.mark.usefixtures("pdf_tools")

CERT = Certificate("H0001", "今田 太郎", "コンケンタロウ", "OMP", "OMP-2027-00003", 0,
                   date(2027, 4, 1), date(2030, 3, 31), date(2026, 10, 1))


def test_an_edited_template_in_the_offices_directory_is_used(tmp_path):
    shipped = (PACKAGE_TEMPLATES / "certificate.html").read_text(encoding="utf-8")
    (tmp_path / "certificate.html").write_text(
        shipped.replace("認　定　証", "資格認定証"), encoding="utf-8")
    out = tmp_path / "c.pdf"
    out.write_bytes(render_certificate(CERT, body_name="テスト協会",
                                       templates_dir=str(tmp_path)))
    text = pdf_text(out)
    assert "資格認定証" in text and "テスト協会" in text
    assert "オペレーションマネジメント" in text and "OMP-2027-00003" in text


def test_the_shipped_template_prints_without_an_office_directory(tmp_path):
    out = tmp_path / "c.pdf"
    out.write_bytes(render_certificate(CERT, body_name="テスト協会"))
    assert "認定証" in pdf_text(out)
