"""Channels: the way an application or a certificate comes in or goes out (the counter, the
post, online, the night desk, a convenience store, a kiosk), read off a Japanese label.

Why: cities model each channel of intake or issue as an activity of its own, beside the
counter's (a postal request opened and stamped, an eLTAX filing imported, a form left at the
night desk), so two intake steps that name different channels are two steps however alike their
words (docs/compare.md, "Channels"). `labels.py` keeps a label's channel beside the form numbers
it cites, and the label space (`labelspace.py`) tells two channels apart as two form numbers.

Depends on japanese.py (the label's terms and their roles).
"""

from __future__ import annotations

from .japanese import normalise, terms

#: the ways an application or a certificate reaches the office or the resident. Cities model each
#: channel as an activity of its own (a postal request, an online application, the night desk, a
#: convenience-store issue), beside the counter's: two intake or issue steps that name different
#: channels are different steps. Only what an action is done through counts (郵送で届いた申告書を
#: 受け取る); a channel word that is itself the action (決定通知書を郵送する) is the action.
CHANNELS: dict[str, tuple[str, ...]] = {
    "post": ("郵送", "郵便"),
    "online": ("電子申請", "電子申告", "おんらいん", "eltax", "logo", "ねっと", "いんたーねっと", "web", "うぇぶ",
               "まいなぽーたる", "ぴったりさーびす"),
    "counter": ("窓口", "来庁", "対面"),
    "after_hours": ("時間外", "宿直", "夜間", "日直", "休日", "守衛", "防災せんたー"),
    # 証明書交付センター: the back office (J-LIS) through which a convenience store issues
    "store": ("こんびに", "交付せんたー"),
    "kiosk": ("交付機", "きおすく"),
}
#: the actions a channel tells apart: taking in an application and issuing a certificate
CHANNEL_ACTIONS = frozenset({"receive", "submit", "hand_over", "produce", "reserve", "enter"})


def channels(text: str) -> str:
    """The channels a Japanese label's intake or issue step goes through, sorted and joined
    ("post", "counter online"); "" when it names none or is no intake or issue step. Not cached:
    `labels.features` reads it once per label and keeps the result with the label's features
    (forgotten with them when the vocabulary in use changes)."""
    found = terms(text)
    if not any(t.head and t.concept is not None and t.concept.id in CHANNEL_ACTIONS for t in found):
        return ""
    named = set()
    # the words around the head, run together: the analyser splits a compound (自動 / 交付 / 機)
    around = "".join(normalise(t.form).lower() if not t.head else "|" for t in found)
    for channel, words in CHANNELS.items():
        if any(w in around for w in words):
            named.add(channel)
    return " ".join(sorted(named))


__all__ = ["CHANNELS", "CHANNEL_ACTIONS", "channels"]
