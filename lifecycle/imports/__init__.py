"""Imports: office files turned into commands, one per row, actor `file:line`.

One module per kind of file (exam results, applications, CPD, bank statements), the shared
reading of CSV (`reading`, `cells`) and the running and judging of rows (`running`).
docs/imports.md documents every file's columns.
"""

from __future__ import annotations

from lifecycle.imports.applications import Applications
from lifecycle.imports.bank_statement import BankStatement
from lifecycle.imports.cpd import CPDImport
from lifecycle.imports.exam_results import ExamResults

KINDS = {kind.name: kind for kind in (ExamResults, Applications, CPDImport, BankStatement)}
