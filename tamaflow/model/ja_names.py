"""Japanese names of the format's enumerations (step kinds, gateways, events, media, access,
channels, field names): the one place that says how an English id is shown to city staff.

The YAML keeps English ids (stable, ASCII, diff-friendly); the site and the diagrams show each id
with its Japanese name. Unknown ids are shown as they are. Only data; no imports.
"""

from __future__ import annotations

#: task kinds as the site and the diagrams name them
KINDS: dict[str, str] = {
    "user": "職員作業",
    "manual": "手作業",
    "service": "システム処理",
    "send": "送付",
    "receive": "受領",
    "rule": "ルール判定",
    "approval": "決裁",
}

GATEWAYS: dict[str, str] = {
    "exclusive": "排他分岐",
    "parallel": "並行分岐",
    "inclusive": "包含分岐",
}

EVENTS: dict[str, str] = {
    "start": "開始",
    "end": "終了",
    "message": "メッセージ受信",
    "message-throw": "メッセージ送信",
    "timer": "タイマー",
    "signal": "シグナル",
    "none": "中間イベント",
}

MEDIA: dict[str, str] = {
    "paper": "紙",
    "pdf": "PDF",
    "email": "メール",
    "web-form": "Webフォーム",
    "system": "システム",
    "in-person": "対面",
    "phone": "電話",
}

ACCESS: dict[str, str] = {
    "api": "API",
    "web": "Web画面",
    "desktop": "デスクトップアプリ",
    "terminal": "専用端末",
    "vdi": "画面転送 (VDI)",
}

CHANNELS: dict[str, str] = {
    "counter": "窓口",
    "post": "郵送",
    "mynaportal": "マイナポータル",
    "logoform": "LoGoフォーム",
    "web": "Web",
    "email": "メール",
    "phone": "電話",
    "kiosk": "キオスク端末",
}

#: step and process field names, for the `assumed:` lists
FIELDS: dict[str, str] = {
    "minutes": "処理時間",
    "medium": "媒体",
    "rule_based": "ルール化",
    "structured": "構造化",
    "systems": "システム",
    "access": "接続方式",
    "exceptions": "例外率",
    "volume": "件数",
    "seal": "押印",
    "channels": "申請経路",
}


def tri(value: bool | None) -> str:
    """A yes/no/unknown attribute as a short mark."""
    if value is None:
        return "—"
    return "はい" if value else "いいえ"
