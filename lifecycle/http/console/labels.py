"""Japanese labels in the manuals' own terms (seeds: the certification and renewal manuals),
and dates as a person reads them: ISO with 和暦 beside it."""

from __future__ import annotations

from datetime import date

from aggregates import qualifications
from lifecycle.documents.wareki import wareki

QUALIFICATIONS = {
    "CAP": "コンタクトセンターアーキテクチャ（CAP）",
    "OMP": "オペレーションマネジメント（OMP）",
    "SV": "スーパーバイザー（SV）",
    "OP": "オペレーター（OP）",
    "EN": "エントリー（EN）",
}
PROFESSIONAL = ("CAP", "OMP")

STATUSES = {
    "passed": "合格（認定申請前）",
    "pass_expired": "合格証明書 有効期限切れ",
    "applied": "認定申請中（手数料未納）",
    "accepted": "認定申請 受理",
    "rejected": "認定 不可",
    "certified": "認定",
    "renewal_window_open": "更新申請期間中",
    "renewal_requested": "更新申請中（手数料未納）",
    "renewal_accepted": "更新申請 受理",
    "renewal_audit": "CPD監査中",
    "renewal_under_review": "更新審査中",
    "lapsed": "失効",
    "qualified": "資格取得",
    "suspended": "停止中",
    "revoked": "取消",
}

FIELDS = qualifications.FIELD_NAMES_JA  # 業務の7分野 (SPEC §2)

CPD_CATEGORIES = {
    "A": "A 協会が認定・主催する研修",
    "B": "B その他の研修（7分野）",
    "C": "C 個人学習（7分野）",
    "D": "D プロフェッショナル活動（7分野）",
}

EVENTS = {
    "ExamPassed": "検定試験合格",
    "ApplicationFiled": "認定申請",
    "FeePaid": "手数料入金",
    "Certified": "認定",
    "ApplicationRejected": "認定 不可",
    "CPDLogged": "CPD登録",
    "CPDWithdrawn": "CPD取下げ",
    "RenewalWindowOpened": "更新申請期間 開始",
    "RenewalRequested": "更新申請",
    "CPDAuditSelected": "CPD監査 対象",
    "CPDAuditCompleted": "CPD監査 完了",
    "Renewed": "更新",
    "RenewalRejected": "更新 不可",
    "Lapsed": "失効",
    "PassReportExpired": "合格証明書 有効期限切れ",
    "HolderDetailsChanged": "登録内容変更",
    "CertificationSuspended": "認定 停止",
    "CertificationReinstated": "認定 停止解除",
    "CertificationRevoked": "認定 取消",
}

FAILURES = {
    "EXPERIENCE_INSUFFICIENT": "業務経験が60か月に満たない",
    "FIELDS_INSUFFICIENT": "業務分野が2分野に満たない",
    "REQUIRED_FIELD_INSUFFICIENT": "必須分野の経験が24か月に満たない",
    "ETHICS_PLEDGE_MISSING": "倫理綱領の宣誓書の署名がない",
    "DOCUMENTS_MISSING": "合格証明書（試験結果レポート）のコピーがない",
    "FEE_NOT_PAID": "認定審査手数料が未納",
    "EXPERIENCE_UNVERIFIED": "上司・監督者の証明がない業務経験は数えない",
    "RENEWAL_WINDOW_ALREADY_CLOSED": "この認定期間の更新申請期間は既に終了",
}

ROLES = {"reader": "閲覧", "clerk": "事務担当（入力）", "reviewer": "審査担当",
         "auditor": "監査担当", "admin": "管理者"}


def day(value: str | date | None) -> str:
    """"2027-04-01（令和9年4月1日）"; an empty string for no date."""
    if not value:
        return ""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d.isoformat()}（{wareki(d)}）"


def yen(value: int | None) -> str:
    return "" if value is None else f"{value:,}円"
