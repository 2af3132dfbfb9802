"""CPD audit selection (監査): deterministic and reproducible from the settings."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal


def selected_for_audit(
    seed: str, holder: str, qualification: str, valid_until: date, rate: Decimal
) -> bool:
    digest = hashlib.sha256(f"{seed}:{holder}:{qualification}:{valid_until}".encode()).hexdigest()
    return int(digest, 16) % 10_000 < rate * 10_000
