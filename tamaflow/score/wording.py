"""The score's Japanese words and number formats, shared by the per-step estimate, the visits
through the flow and the report, so a factor reads the same wherever it is shown."""

from __future__ import annotations

MEDIUM_JA = {
    "paper": "紙", "pdf": "PDF", "email": "メール", "web-form": "Webフォーム", "system": "システム上のデータ",
    "in-person": "対面", "phone": "電話",
}
ACCESS_JA = {
    "api": "API 連携", "web": "Web 画面操作", "desktop": "デスクトップ画面操作", "terminal": "端末・ホスト画面操作",
    "vdi": "画面転送・VDI (三層分離をまたぐ)",
}
#: the four quadrants of staff work (potential × ease), then the steps that are not staff work:
#: a system step is already automated and a resident's or outside party's step is out of scope,
#: so neither may read as a quick win or a fill-in
QUADRANT_JA = {"quick win": "クイックウィン", "strategic": "戦略的", "fill-in": "補完", "reconsider": "再検討",
               "automated": "自動化済み", "resident": "住民の手順 (対象外)", "external": "外部の担当 (対象外)"}
#: the quadrants a process can have (its totals are staff minutes only)
STAFF_QUADRANTS = ("quick win", "strategic", "fill-in", "reconsider")
#: said with the quadrant of a step whose seal gate holds it back: the seal must go before any robot
SEAL_FIRST = "押印の見直しが先"
#: blocker categories, in the order they are reported
BLOCKERS = ("seal", "paper", "in_person", "judgement", "approval", "manual", "system_change")
BLOCKER_JA = {
    "seal": "押印", "paper": "紙", "in_person": "対面", "judgement": "判断業務", "approval": "決裁",
    "manual": "手作業", "system_change": "システム更改予定",
}
ACCESS_SHORT = {"api": "API", "web": "Web", "desktop": "デスクトップ", "terminal": "端末", "vdi": "VDI"}


def percent(x: float) -> str:
    """0.25 → `25%`."""
    return f"{x * 100:.0f}%"


def decimal(x: float) -> str:
    """Two decimals, for scores and multipliers."""
    return f"{x:.2f}"


def signed(x: float) -> str:
    """Points with their sign, minus as U+2212 as in Japanese typesetting."""
    return f"{x:+g}".replace("-", "−")
