"""The qualifications (資格) and the seven fields of work (業務の7分野), SPEC §2.

Professional qualifications need certification (認定) and renew every 3 fiscal years;
operation qualifications are conferred by the exam pass alone and never expire.
"""

from __future__ import annotations

PROFESSIONAL: tuple[str, ...] = ("CAP", "OMP")
OPERATION: tuple[str, ...] = ("SV", "OP", "EN")
ALL: tuple[str, ...] = PROFESSIONAL + OPERATION

NAMES: dict[str, str] = {
    "CAP": "コンタクトセンターアーキテクチャ",
    "OMP": "オペレーションマネジメント",
    "SV": "スーパーバイザー",
    "OP": "オペレーター",
    "EN": "エントリー",
}

# The number is the canonical key: the manuals changed the letter codes between editions.
FIELDS: dict[int, str] = {
    1: "contact centre strategy",
    2: "customer service",
    3: "CRM",
    4: "operations",
    5: "HR management",
    6: "contact centre architecture",
    7: "ICT management",
}

FIELD_NAMES_JA: dict[int, str] = {
    1: "コンタクトセンター戦略",
    2: "カスタマーサービス",
    3: "CRM",
    4: "オペレーション",
    5: "ヒューマンリソースマネジメント",
    6: "コンタクトセンターアーキテクチャ",
    7: "ICTマネジメント",
}

# Codes as printed in the manuals, oldest edition first; for display and for reading old forms.
FIELD_CODES: dict[int, tuple[str, ...]] = {
    1: ("ST",),
    2: ("CS", "SM", "CX"),
    3: ("CR",),
    4: ("OP",),
    5: ("HR",),
    6: ("AR", "CA"),
    7: ("IC",),
}

# 申請資格の必須分野: at least 24 months of experience must lie in one of these.
REQUIRED_FIELDS: dict[str, frozenset[int]] = {
    "OMP": frozenset({4, 5}),
    "CAP": frozenset({6, 7}),
}


def is_professional(code: str) -> bool:
    """True for a qualification that needs certification and renewal (CAP, OMP)."""
    return code in PROFESSIONAL


def is_known(code: str) -> bool:
    """True for any qualification code the body awards."""
    return code in ALL
