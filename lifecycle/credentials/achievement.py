"""The AchievementCredential (Open Badges 3.0, W3C VC Data Model 2.0) of one certification.

What is in it: the body as issuer, the qualification as the achievement (its Japanese
name, SPEC §2, and the criteria of SPEC §4/§5), the certification number as the subject's
`licenseNumber`, the current period as `validFrom`/`validUntil` (whole days in Asia/Tokyo),
and the status list entry. The holder is identified without their e-mail address: the
subject carries `sha256$hex(email + salt)` with a fresh salt, which someone who already knows
the address can check and nobody can read back. No name, kana or address is in it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import date, datetime, time

from aggregates import qualifications
from lifecycle.clock import TOKYO

CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA_ID = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
             "ob_v3p0_achievementcredential-jsonschema1.json")
END_OF_DAY = time(23, 59, 59)

CRITERIA = (
    "試験に合格し、試験結果レポートの有効期間内に認定申請を行い、業務経験（60か月以上、"
    "2分野以上、必須分野{required}で24か月以上。資格取得・研修受講による代替は24か月まで）、"
    "倫理綱領の宣誓及び審査料の納付を審査の上、認定されたこと。認定期間は3年度で、期間中の"
    "継続教育30ポイント以上により更新される。")
REQUIRED_FIELDS = {"CAP": "（6又は7）", "OMP": "（4又は5）"}


def moment(day: date, at: time = time(0)) -> str:
    """A business date as an XML Schema dateTime in Asia/Tokyo."""
    return datetime.combine(day, at, TOKYO).isoformat()


def email_identity(email: str) -> dict:
    """OB3's IdentityObject for an e-mail address, hashed with a fresh salt. The address is
    trimmed and lower-cased first, so the holder's way of writing it does not matter."""
    salt = secrets.token_hex(16)
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
            "identityHash": f"sha256${digest}", "salt": salt}


def achievement(code: str, public_url: str) -> dict:
    name = qualifications.NAMES[code]
    return {
        "id": f"{public_url}/qualifications/{code}",
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": name,
        "humanCode": code,
        "description": f"{name}（{code}）の認定資格。3年度ごとに更新される。",
        "criteria": {"narrative": CRITERIA.format(required=REQUIRED_FIELDS.get(code, ""))},
        "inLanguage": "ja",
    }


def credential(*, issuer: dict, number: str, code: str, valid_from: date, valid_until: date,
               awarded_on: date, email: str | None, status: dict, public_url: str) -> dict:
    """The unsigned credential; `status` its credentialStatus (status_list.entry)."""
    subject: dict = {"type": ["AchievementSubject"], "licenseNumber": number,
                     "achievement": achievement(code, public_url)}
    if email:
        subject["identifier"] = [email_identity(email)]
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential", "AchievementCredential"],
        "name": f"{qualifications.NAMES[code]} 認定 {number}",
        "issuer": issuer,
        "validFrom": moment(valid_from),
        "validUntil": moment(valid_until, END_OF_DAY),
        "awardedDate": moment(awarded_on),
        "credentialSubject": subject,
        "credentialStatus": status,
        "credentialSchema": [{"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
    }
