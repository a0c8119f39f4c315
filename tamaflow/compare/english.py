"""English step labels as words: the administrative vocabulary (synonym groups, families,
antonyms, phrasal verbs, irregular forms, the verbs of administrative work) and the stemming that
`labels.py` builds its English features on.

Kept apart from `labels.py` as `japanese.py` is: the language's knowledge in one place, the
similarity model that uses it in the other. General, not tuned to any data set: administrative
English as found in any business-process collection. Depends on nothing in tamaflow (but for
emptying labels.py's cached readings when `english_left_out` changes what the lists hold).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache

import snowballstemmer

#: groups of English words that name the same action or thing in administrative processes
EN_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("check", "verify", "examine", "inspect", "review", "validate", "control", "vet", "audit", "screen",
     "scrutinise", "scrutinize", "visit", "survey"),
    ("assess", "evaluate", "appraise", "rate", "score", "grade", "judge", "consider", "triage"),
    ("send", "forward", "submit", "transmit", "dispatch", "mail", "post", "deliver", "hand"),
    ("receive", "get", "obtain", "collect", "intake"),
    ("inform", "notify", "tell", "advise", "contact", "alert", "communicate"),
    ("create", "prepare", "draft", "compose", "produce", "make", "generate", "write"),
    ("approve", "grant", "authorize", "authorise", "sanction", "admit", "agree", "ok", "okay"),
    ("reject", "refuse", "deny", "decline", "dismiss"),
    ("register", "enrol", "enroll", "matriculate", "immatriculate", "record", "enter", "input", "capture", "log",
     "save"),
    ("pay", "remit", "settle"),
    ("invite", "summon", "call"),
    ("conduct", "perform", "do", "hold", "execute", "carry"),
    ("wait", "await"),
    ("archive", "file", "store", "keep"),
    ("complete", "finish", "finalize", "finalise", "close", "conclude"),
    ("cancel", "revoke", "withdraw"),
    ("update", "modify", "change", "amend", "correct"),
    ("request", "ask", "apply"),
    ("committee", "board", "panel", "commission"),
    ("interview", "talk", "conversation", "meeting"),
    ("document", "paper", "papers"),
    ("rank", "sort", "order"),
    ("select", "choose", "pick"),
    ("issue", "provide", "supply", "give", "release"),
    ("schedule", "book", "arrange", "plan", "appoint"),
    ("decide", "decision", "adjudicate"),
    ("assign", "allocate", "delegate", "route"),
    ("refund", "reimburse", "repay"),
    ("remind", "chase"),
    ("sign", "signature", "seal"),
    ("response", "answer", "reply", "result"),
    ("acceptance", "admission", "approval"),
    # the words of civil administration (registration, certificates, fees, the people at the
    # counter), as in any municipal process collection
    ("notice", "notification", "declaration", "declare", "report"),
    ("identity", "identification", "identify", "id"),
    ("applicant", "citizen", "customer", "client", "resident", "requester", "declarant", "informant"),
    ("search", "retrieve", "find", "query", "consult", "lookup"),
    ("calculate", "compute", "determine", "estimate", "quote"),
    ("stamp", "endorse"),
    ("certificate", "attestation", "extract"),
    ("scan", "digitize", "digitise"),
    ("fee", "charge", "payment"),
    ("data", "information", "details", "particulars"),
    ("municipality", "city", "town", "council", "authority"),
    ("child", "baby", "newborn", "infant"),
    ("print", "printout"),
)

#: pairs whose shared object does not make the steps the same (the two sides of an exchange)
EN_ANTONYMS: tuple[tuple[str, str], ...] = (
    ("send", "receive"),
    ("approve", "reject"),
    ("accept", "reject"),
    ("acceptance", "rejection"),
    ("open", "close"),
    ("start", "end"),
)

EN_STOPWORDS: frozenset[str] = frozenset(
    "a an the of for to and or in on at by with from into onto via per as is are be been being "
    "this that these those it its their his her our your all any some if then than s whether "
    "up out about".split()
)

#: irregular forms the Snowball stemmer leaves apart
EN_IRREGULAR: Mapping[str, str] = {
    "sent": "send", "got": "get", "gotten": "get", "made": "make", "held": "hold", "done": "do",
    "did": "do", "paid": "pay", "chose": "choose", "chosen": "choose", "kept": "keep",
    "written": "write", "wrote": "write", "given": "give", "gave": "give", "taken": "take",
    "took": "take", "brought": "bring", "told": "tell", "filled": "fill", "began": "begin",
    "begun": "begin", "found": "find", "led": "lead", "met": "meet", "sold": "sell", "bought": "buy",
    "receipt": "receive", "enrolment": "enrol", "enrollment": "enrol",
    "issuance": "issue", "delivery": "deliver", "closure": "close", "entry": "enter",
}

#: phrasal verbs of administrative English, read as the one verb they stand for (sign off =
#: approve, work out = calculate); any inflection of the verb, with a space or a hyphen
EN_PHRASES: tuple[tuple[str, str, str], ...] = (
    ("sign", "off", "approve"), ("work", "out", "calculate"), ("send", "out", "send"), ("hand", "out", "issue"),
    ("hand", "over", "issue"), ("give", "out", "issue"),
    ("look", "up", "search"), ("follow", "up", "remind"), ("carry", "out", "conduct"), ("set", "up", "create"),
    ("pass", "on", "forward"), ("turn", "down", "reject"), ("pick", "up", "collect"), ("drop", "off", "submit"),
    ("call", "back", "contact"), ("close", "out", "close"), ("write", "up", "write"), ("check", "in", "receive"),
)
_PHRASE_FORMS = {"sign": "sign|signs|signed|signing", "work": "work|works|worked|working",
                 "send": "send|sends|sent|sending", "hand": "hand|hands|handed|handing",
                 "give": "give|gives|gave|given|giving",
                 "look": "look|looks|looked|looking", "follow": "follow|follows|followed|following",
                 "carry": "carry|carries|carried|carrying", "set": "set|sets|setting",
                 "pass": "pass|passes|passed|passing", "turn": "turn|turns|turned|turning",
                 "pick": "pick|picks|picked|picking", "drop": "drop|drops|dropped|dropping",
                 "call": "call|calls|called|calling", "close": "close|closes|closed|closing",
                 "write": "write|writes|wrote|written|writing", "check": "check|checks|checked|checking"}
_PHRASE_RES = tuple((re.compile(rf"\b(?:{_PHRASE_FORMS[v]})[- ]{p}\b"), to) for v, p, to in EN_PHRASES)
#: the same phrasal verbs written as one word, the noun of work notes (a pickup, the sign-off as
#: signoff, a follow-up as followup); not handout or workout, which name other things
EN_CLOSED_PHRASES: frozenset[str] = frozenset(
    "pickup signoff followup handover setup lookup checkin dropoff callback closeout writeup".split())
_CLOSED_RE = re.compile(r"\b(" + "|".join(sorted(EN_CLOSED_PHRASES)) + r")s?\b")
_CLOSED_TO = {v + p: to for v, p, to in EN_PHRASES}
# a one-word form is read through its phrasal verb: one without an entry in EN_PHRASES would be a
# KeyError on the first label that uses it, so an edit to either list is refused at import
assert EN_CLOSED_PHRASES <= _CLOSED_TO.keys(), f"no phrasal verb for {sorted(EN_CLOSED_PHRASES - _CLOSED_TO.keys())}"

#: families of the synonym groups: different actions that still are the same kind of work (a
#: check and an assessment both evaluate; input and registration both record), met at half weight
EN_FAMILIES: Mapping[str, str] = {"check": "evaluate", "assess": "evaluate", "input": "record", "register": "record",
                                  "send": "communicate", "inform": "communicate", "issue": "communicate", "approve": "decide", "decide": "decide",
                                  "reject": "decide"}

#: the abbreviations of office English (work sheets, ticket systems, case notes), read as the
#: words they stand for: "Calc fee" is "Calculate fee", "Itemize + size chk" checks. General
#: shorthand only; one that stands for two words in step labels (app: application or a phone
#: app; reg: registration or regulation; conf, est, min, no, sub, emp) is left out on purpose
EN_ABBREVIATIONS: Mapping[str, str] = {
    "chk": "check", "chkd": "checked", "calc": "calculate", "calcs": "calculations", "addr": "address",
    "acct": "account", "accts": "accounts", "cust": "customer", "custs": "customers", "req": "request",
    "reqd": "required", "svc": "service", "svcs": "services", "insp": "inspection", "ltr": "letter",
    "ltrs": "letters", "alt": "alternative", "avail": "availability", "info": "information",
    "dept": "department", "mgr": "manager", "doc": "document", "docs": "documents", "ref": "reference",
    "qty": "quantity", "amt": "amount", "pmt": "payment", "pymt": "payment", "rcpt": "receipt",
    "inv": "invoice", "sched": "schedule", "cert": "certificate", "certs": "certificates",
    "appt": "appointment", "appts": "appointments", "govt": "government", "ack": "acknowledge",
    "notif": "notification", "txt": "text", "msg": "message", "recd": "received", "mtg": "meeting",
    "lic": "licence", "eval": "evaluation", "verif": "verification", "wk": "week", "wks": "weeks",
    "yr": "year", "yrs": "years", "tel": "telephone", "fwd": "forward", "sig": "signature",
    "resp": "response", "prep": "prepare", "appl": "application", "addl": "additional",
    "orig": "original", "dup": "duplicate", "hrs": "hours", "attn": "attention", "approx": "approximately",
    "dob": "date of birth",
}

_WORD = re.compile(r"[a-z0-9]+")
_STEMMER = snowballstemmer.stemmer("english")


#: Snowball keeps a verb and its nominalisation apart where the Latin stem changes its ending
#: (verify/verification → verifi/verif, register/registration → regist/registr, submit/
#: submission → submit/submiss, decide/decision → decid/decis); these endings of a stem are
#: brought back to one form, so the action and the noun naming it meet
_DERIVATION: tuple[tuple[str, str], ...] = (("ifi", "if"), ("istr", "ist"), ("miss", "mit"), ("cis", "cid"))


def en_stem(word: str) -> str:
    w = EN_IRREGULAR.get(word, word)
    stem = str(_STEMMER.stemWord(w))
    for end, repl in _DERIVATION:
        if stem.endswith(end) and len(stem) >= len(end) + 2:
            return stem[: -len(end)] + repl
    return stem


#: English: weight of a word of a synonym group next to its group's feature (Vocabulary), and the
#: share two labels lose when each names actions and none is shared (SimilarityWeights); the
#: matcher's defaults (MatchOptions) are these
GROUPED_WORD = 0.5
ACTION_CLASH = 0.3

#: verbs of administrative work beyond the synonym groups (their stems also catch the
#: nominalisations: assessment, enrollment, checking)
EN_VERBS: frozenset[str] = frozenset(
    "accept add allocate analyse analyze answer apply appoint approve archive arrange assess assign attach "
    "book calculate call cancel capture change check choose clarify close collect compare compile complete "
    "conduct confirm consult contact copy correct create decide declare deliver deny determine discuss "
    "dispatch distribute draft edit enrol enroll enter evaluate examine execute fill file finalize finish "
    "forward generate give grant hand handle hold identify immatriculate inform input inspect interview "
    "invite issue keep list log mail make mark match matriculate merge modify notify obtain open order pay "
    "perform pick place plan post prepare present print process produce provide publish rank rate read "
    "receive record refuse register reject remind remove renew report request require retrieve return review "
    "revoke save scan schedule score search select send set settle sign sort start stamp store submit sum "
    "take talk test transfer transmit treat update upload validate verify wait withdraw write"
    .split()
)


def en_actions(stems: Sequence[str]) -> frozenset[str]:
    """The stems of the actions an English label names: every word that is a verb of
    administrative work or its nominalisation (send, assessment, enrollment, checking). Verb-object
    (Send application), action-noun (Assessment of application), state (Documents received) and
    light-verb labels (Take interview, Go to the interview) all name their action this way."""
    verbs = _verb_stems()
    return frozenset(st for st in stems if st in verbs)


@lru_cache(maxsize=1)
def _verb_stems() -> frozenset[str]:
    """EN_VERBS and every word of a synonym group headed by one of them (forward, dispatch …)."""
    out = {en_stem(w) for w in EN_VERBS if not left_out("verb", w)}
    for group in EN_SYNONYMS:
        if group[0] in EN_VERBS:
            out |= {en_stem(w) for w in group if " " not in w and not left_out("synonym", w)}
    return frozenset(out)


def en_words(text: str) -> list[str]:
    """Content words of an English label, stemmed, stop words removed, in order."""
    t = _normal(text)
    t = _CLOSED_RE.sub(lambda m: m.group(0) if left_out("phrase", _PHRASE_OF[m.group(1)]) else _CLOSED_TO[m.group(1)], t)
    for name, (pattern, verb) in _NAMED_PHRASES:
        if not left_out("phrase", name):
            t = pattern.sub(verb, t)
    words = [x for w in _WORD.findall(t)
             for x in (w if left_out("shorthand", w) else EN_ABBREVIATIONS.get(w, w)).split()]
    return [en_stem(w) for w in words if w not in EN_STOPWORDS]


def _normal(text: str) -> str:
    """NFKC, one space between words, lower case, no possessive 's."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower().replace("'s", "").replace("’s", "")


#: each phrasal verb's pattern under its name ("sign off"), and the one-word form's name
_NAMED_PHRASES = tuple(zip((f"{v} {p}" for v, p, _to in EN_PHRASES), _PHRASE_RES, strict=True))
_PHRASE_OF = {v + p: f"{v} {p}" for v, p, _to in EN_PHRASES}


# ------------------------------------------------------------------------------------------------
# Leaving entries out: the vocabulary measured without the words one data set alone uses

#: entries of the lists above left out of every reading (`english_left_out`): "synonym:WORD",
#: "verb:WORD", "shorthand:ABBR", "phrase:VERB PARTICLE"; empty but inside that block
_LEFT_OUT: frozenset[str] = frozenset()


def left_out(kind: str, word: str) -> bool:
    """Whether the entry `kind:word` is left out of the reading now (`english_left_out`)."""
    return bool(_LEFT_OUT) and f"{kind}:{word}" in _LEFT_OUT


def entries_used(labels: Iterable[str]) -> set[str]:
    """The entries of this module's lists (in `english_left_out`'s notation) that these labels
    use: a synonym-group word or administrative verb whose stem one of them reads, a shorthand
    or phrasal verb one of them writes.

    Why: the English lists were written with the English development sets in view, so
    `benchmarks/alignment.py` measures each of those sets again without the entries it alone
    uses, as it does the Japanese sets with the work vocabulary's words. The caller passes the
    labels the English model reads (not the Japanese ones)."""
    by_stem: dict[str, list[str]] = {}
    for w in sorted({w for g in EN_SYNONYMS for w in g if " " not in w}):
        by_stem.setdefault(en_stem(w), []).append("synonym:" + w)
    for w in sorted(EN_VERBS):
        by_stem.setdefault(en_stem(w), []).append("verb:" + w)
    out: set[str] = set()
    for label in labels:
        t = _normal(label)
        raw = _WORD.findall(t)
        out.update("shorthand:" + w for w in raw if w in EN_ABBREVIATIONS)
        out.update("phrase:" + _PHRASE_OF[m.group(1)] for m in _CLOSED_RE.finditer(t))
        out.update("phrase:" + name for name, (pattern, _verb) in _NAMED_PHRASES if pattern.search(t))
        for st in en_words(label):
            out.update(by_stem.get(st, ()))
    return out


@contextmanager
def english_left_out(entries: Iterable[str]) -> Iterator[None]:
    """Read English labels without these entries (`entries_used`'s notation) inside the block,
    then with every list whole again. A synonym word left out no longer reads as its group (the
    group keeps its name), a verb no longer names an action, a shorthand or phrasal verb is
    read as written. The readings cached with the whole lists are emptied on the way in and
    out, as `japanese.vocabulary_in_use` does for the Japanese work vocabulary."""
    global _LEFT_OUT
    _forget_readings()
    _LEFT_OUT = frozenset(entries)
    try:
        yield
    finally:
        _LEFT_OUT = frozenset()
        _forget_readings()


def _forget_readings() -> None:
    _verb_stems.cache_clear()
    from .labels import default_vocabulary, forget_features  # labels imports this module

    forget_features()
    default_vocabulary.cache_clear()
