"""The explainable RPA-potential model: per step, then per process through the flow.

Per step (docs/score.md §1): suitability = weighted mean of rule-based decisions, digital input
and structured input (UiPath's Idea Score suitability); gates (seal, in-person identity check,
judgement, approval) multiply it towards 0; exceptions stay with staff (× (1 − rate)). Ease of
implementation starts at 100 and loses points for systems, access type, unstructured data and
paper that needs AI-OCR. A step whose system is about to change is flagged, not scored down.

Per process: the expected number of visits of every node comes from an absorbing Markov chain
over `tamaflow.model.graph.to_graph` (the start's row of N = (I − Q)^-1, solved sparsely), so branch shares and rework loops weigh
each step's minutes correctly; hours per year = volume × minutes / 60.

Every factor's value and contribution is kept as data (`Factor`, `Gate`, `EaseItem`), and the
reasons analysts read are rendered from that data, in Japanese. Depends only on the model and
this package's config; all numbers are raw floats (rounding is the report's job).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import MatrixRankWarning, spsolve

from ..model.findings import TamaflowError
from ..model.graph import immediate_dominators, start_nodes, to_graph
from ..model.process import Process, Step
from .config import ScoreConfig, default_config

MEDIUM_JA = {
    "paper": "紙", "pdf": "PDF", "email": "メール", "web-form": "Webフォーム", "system": "システム上のデータ",
    "in-person": "対面", "phone": "電話",
}
ACCESS_JA = {
    "api": "API 連携", "web": "Web 画面操作", "desktop": "デスクトップ画面操作", "terminal": "端末・ホスト画面操作",
    "vdi": "画面転送・VDI (三層分離をまたぐ)",
}
QUADRANTS = ("quick win", "strategic", "fill-in", "reconsider")
QUADRANT_JA = {"quick win": "クイックウィン", "strategic": "戦略的", "fill-in": "補完", "reconsider": "再検討"}
#: blocker categories, in the order they are reported
BLOCKERS = ("seal", "paper", "in_person", "judgement", "approval", "manual", "system_change")
BLOCKER_JA = {
    "seal": "押印", "paper": "紙", "in_person": "対面", "judgement": "判断業務", "approval": "決裁",
    "manual": "手作業", "system_change": "システム更改予定",
}
ACCESS_SHORT = {"api": "API", "web": "Web", "desktop": "デスクトップ", "terminal": "端末", "vdi": "VDI"}
#: a loop whose expected visits exceed this is treated as one that never ends
MAX_VISITS = 1e6


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _num(x: float) -> str:
    return f"{x:.2f}"


def _pts(x: float) -> str:
    return f"{x:+g}".replace("-", "−")


@dataclass(frozen=True, slots=True)
class Factor:
    """One input of a step's suitability: what the file says, its 0–1 score, its weight and its
    share of the suitability (weight × score / Σ weights)."""

    name: str
    field: str
    value: str | bool | None
    score: float
    weight: float
    contribution: float
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Gate:
    """A condition that makes automation impossible (multiplier 0) or partial (0 < m < 1)."""

    name: str
    multiplier: float
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class EaseItem:
    """One adjustment of ease of implementation, in points."""

    name: str
    value: str | int | bool | None
    points: float
    source: str
    #: what the adjustment is for, in words (the reason without points and source)
    label: str

    @property
    def reason(self) -> str:
        return f"{self.label} {_pts(self.points)} {self.source}"


@dataclass(slots=True)
class StepScore:
    """The score of one task, with everything needed to explain it."""

    id: str
    name: str
    lane: str | None
    lane_name: str | None
    kind: str
    #: staff | resident | system | external (a lane of outside parties with no minutes anywhere)
    role: str
    index: int
    line: int
    visits: float
    minutes: float | None
    staff_minutes_per_case: float
    suitability: float
    factors: list[Factor]
    gates: list[Gate]
    gate: float
    exception_rate: float
    exception_multiplier: float
    exception_reason: str
    potential: float
    ease: float
    ease_items: list[EaseItem]
    feasible: bool
    quadrant: str
    blockers: list[str]
    assumed: list[str]
    reasons: list[str]
    #: the reasons in one short line, for tables
    summary: str = ""
    hours_per_year: float | None = None
    automatable_hours_per_year: float | None = None

    @property
    def automatable_minutes_per_case(self) -> float:
        return self.staff_minutes_per_case * self.potential


@dataclass(slots=True)
class Blocker:
    """Steps of one blocker category in a process, with the staff hours they hold."""

    count: int = 0
    steps: list[str] = field(default_factory=list)
    hours_per_year: float | None = None


@dataclass(slots=True)
class ProcessScore:
    process: str
    name: str
    city: str
    area: str | None
    volume: float | None
    path: str | None
    minutes_per_case: float
    automatable_minutes_per_case: float
    hours_per_year: float | None
    automatable_hours_per_year: float | None
    potential: float
    ease: float | None
    quadrant: str
    feasible: bool
    blockers: dict[str, Blocker]
    notes: list[str]
    steps: list[StepScore]
    visits: dict[str, float]


# ----- per step --------------------------------------------------------------------------------

def quadrant(potential: float, ease: float | None, cfg: ScoreConfig) -> str:
    """quick win (high potential, easy), strategic (high, hard), fill-in (low, easy),
    reconsider (low, hard)."""
    high_p = potential >= cfg.quadrant_potential
    high_e = ease is not None and ease >= cfg.quadrant_ease
    if high_p:
        return "quick win" if high_e else "strategic"
    return "fill-in" if high_e else "reconsider"


def suitability_factors(step: Step, cfg: ScoreConfig) -> list[Factor]:
    """Rules, digitisation and structure, each scored 0–1 on UiPath's scale."""
    src = cfg.source("suitability.weights.rules")
    weights = {"rules": cfg.w_rules, "digital": cfg.w_digital, "structured": cfg.w_structured}
    total = sum(weights.values())
    unknown = cfg.unknown
    out: list[Factor] = []

    def share(name: str, score: float) -> float:
        return weights[name] * score / total if total > 0 else 0.0

    def text(name: str, what: str, score: float, src: str) -> str:
        w = f" × 重み {weights[name]:g}" if weights[name] != 1 else ""
        return f"{what}{w}、適合度への寄与 +{_num(share(name, score))} {src}"

    # rules
    if step.rule_based is None:
        s, what = unknown, f"ルール判断か未記入 → 中間値 {_num(unknown)}"
    elif step.rule_based:
        s, what = cfg.rules_true, f"ルールで判断できる (rule_based: true) → 規則性 {_num(cfg.rules_true)}"
    else:
        s, what = cfg.rules_false, f"判断を要する (rule_based: false) → 規則性 {_num(cfg.rules_false)}"
    out.append(Factor("rules", "rule_based", step.rule_based, s, weights["rules"], share("rules", s), src,
                      text("rules", what, s, src)))
    # digitisation
    if step.medium is None:
        s, what = unknown, f"入力媒体が未記入 → デジタル度 中間値 {_num(unknown)}"
        msrc = src
    else:
        s = cfg.medium[step.medium]
        what = f"入力媒体: {MEDIUM_JA[step.medium]} (medium: {step.medium}) → デジタル度 {_num(s)}"
        msrc = cfg.source(f"suitability.medium.{step.medium}")
    out.append(Factor("digital", "medium", step.medium, s, weights["digital"], share("digital", s), msrc,
                      text("digital", what, s, msrc)))
    # structure
    if step.structured is None:
        s, what = unknown, f"構造化データか未記入 → 中間値 {_num(unknown)}"
    elif step.structured:
        s, what = cfg.structured_true, f"構造化データ (structured: true) → 構造化 {_num(cfg.structured_true)}"
    else:
        s, what = cfg.structured_false, f"非構造データ (structured: false) → 構造化 {_num(cfg.structured_false)}"
    out.append(Factor("structured", "structured", step.structured, s, weights["structured"],
                      share("structured", s), src, text("structured", what, s, src)))
    return out


def step_gates(step: Step, cfg: ScoreConfig) -> list[Gate]:
    """The gates that apply to a step, each with its multiplier (1 = no effect, never listed)."""
    found: list[tuple[str, float, str, str]] = []
    if step.seal:
        found.append(("seal", cfg.gate_seal, "gates.seal", "押印が必要"))
    if step.medium == "in-person":
        found.append(("in_person", cfg.gate_in_person, "gates.in_person", "対面での本人確認・聴取 (medium: in-person)"))
    if step.rule_based is False:
        found.append(("judgement", cfg.gate_judgement, "gates.judgement", "判断業務 (rule_based: false)"))
    if step.kind == "approval":
        found.append(("approval", cfg.gate_approval, "gates.approval", "決裁は職員の権限 (kind: approval)"))
    if step.kind == "manual":
        found.append(("manual", cfg.gate_manual, "gates.manual", "システムを使わない手作業 (kind: manual)"))
    out: list[Gate] = []
    for name, mult, key, what in found:
        if mult >= 1:
            continue  # configured away: the gate no longer limits anything
        effect = "自動化不可" if mult == 0 else "一部のみ自動化"
        src = cfg.source(key)
        out.append(Gate(name, mult, src, f"{what} → {effect} (gate ×{mult:g}) {src}"))
    return out


def ease_items(step: Step, cfg: ScoreConfig) -> list[EaseItem]:
    """Ease adjustments for systems, access, data structure and paper (AI-OCR)."""
    items: list[EaseItem] = []
    n = len(step.systems)
    band = [pts for minimum, pts in sorted(cfg.ease_systems.items()) if n >= minimum]
    if band and band[-1] != 0:
        src = cfg.source("ease.systems")
        items.append(EaseItem("systems", n, band[-1], src, f"システム {n} 個"))
    if step.access is not None:
        pts = cfg.ease_access[step.access]
        if pts != 0:
            src = cfg.source(f"ease.access.{step.access}")
            items.append(EaseItem("access", step.access, pts, src, f"{ACCESS_JA[step.access]} (access: {step.access})"))
    if step.structured is False and cfg.ease_unstructured != 0:
        src = cfg.source("ease.data.unstructured")
        items.append(EaseItem("data", False, cfg.ease_unstructured, src, "非構造データ"))
    elif step.structured is None and cfg.ease_unknown_structure != 0:
        src = cfg.source("ease.data.unknown")
        items.append(EaseItem("data", None, cfg.ease_unknown_structure, src, "構造化か未記入 (半構造とみなす)"))
    if step.medium == "paper" and cfg.ease_ocr != 0:
        src = cfg.source("ease.ocr")
        items.append(EaseItem("ocr", "paper", cfg.ease_ocr, src, "紙のため AI-OCR が必要"))
    return items


def step_role(step: Step, process: Process, cfg: ScoreConfig, lanes_with_minutes: set[str | None]) -> str:
    """Whose time a step is: only `staff` minutes count as staff hours."""
    lane = process.lane_map().get(step.lane) if step.lane else None
    lane_name = lane.name if lane else None
    if step.kind == "service" or cfg.is_system_lane(step.lane, lane_name):
        return "system"
    if cfg.is_resident_lane(step.lane, lane_name):
        return "resident"
    if step.minutes is None and step.lane not in lanes_with_minutes:
        return "external"
    return "staff"


def score_step(step: Step, cfg: ScoreConfig | None = None, *, role: str = "staff", visits: float = 1.0,
               index: int = 0, lane_name: str | None = None) -> StepScore:
    """Score one task. `visits` (expected visits per case) only scales its minutes."""
    cfg = cfg or default_config()
    factors = suitability_factors(step, cfg)
    total_w = cfg.w_rules + cfg.w_digital + cfg.w_structured
    suit = sum(f.contribution for f in factors) if total_w > 0 else 1.0
    gates = step_gates(step, cfg)
    gate = 1.0
    for g in gates:
        gate *= g.multiplier
    if step.exceptions is None:
        rate = cfg.exceptions_unknown
        exc_what = f"例外率が未記入 → {_pct(rate)} と仮定"
    else:
        rate = float(step.exceptions)
        exc_what = f"例外率 {_pct(rate)}"
    exc_mult = max(0.0, 1.0 - cfg.exceptions_weight * rate)
    exc_src = cfg.source("exceptions.weight")
    exc_reason = f"{exc_what} → ×{_num(exc_mult)} (例外は職員が処理) {exc_src}"
    potential = min(1.0, max(0.0, suit * gate * exc_mult))
    items = ease_items(step, cfg)
    ease = min(100.0, max(0.0, cfg.ease_base + sum(i.points for i in items)))
    minutes = float(step.minutes) if step.minutes is not None else None
    staff_minutes = visits * minutes if (role == "staff" or role == "resident") and minutes is not None else 0.0

    blockers: list[str] = []
    if step.seal:
        blockers.append("seal")
    if step.medium == "paper":
        blockers.append("paper")
    if step.medium == "in-person":
        blockers.append("in_person")
    # seal, paper and in-person matter wherever they are (a resident's 押印 is the point of the
    # seal/paper list); the others are about staff work only
    if role == "staff":
        if step.rule_based is False:
            blockers.append("judgement")
        if step.kind == "approval":
            blockers.append("approval")
        if step.kind == "manual":
            blockers.append("manual")
        if step.system_change:
            blockers.append("system_change")

    reasons: list[str] = []
    visit_txt = f" × {_num(visits)} 回/件" if abs(visits - 1.0) > 1e-9 else ""
    if role == "system":
        why = "kind: service" if step.kind == "service" else "システムのレーン"
        reasons.append(f"システム処理 ({why}) → 職員時間なし")
    elif role == "resident":
        if minutes is None:
            reasons.append("住民の手順 → 職員時間なし")
        else:
            reasons.append(f"住民のレーンだが minutes あり → 職員 {minutes:g} 分{visit_txt} = {staff_minutes:.1f} 分/件")
    elif role == "external":
        reasons.append("所要時間の記入がない外部の担当 → 職員時間に入れない")
    elif minutes is None:
        reasons.append("所要時間が未記入 → 0 分として計算 (要補記)")
    else:
        reasons.append(f"職員 {minutes:g} 分{visit_txt} = {staff_minutes:.1f} 分/件")
    if role == "system":
        # the system already does it: nothing left to automate, whatever the attributes say
        potential = 1.0
        reasons.append("既にシステムが処理する手順 → 自動化済み (自動化可能割合 1.00 とみなす)")
    elif staff_minutes == 0 and role in ("resident", "external"):
        # no staff time: the factor-by-factor account would explain nothing; keep what matters
        # for the seal/paper list
        reasons.extend(g.reason for g in gates if g.name in ("seal", "in_person"))
        if step.medium == "paper":
            reasons.append("紙の書類 (medium: paper)")
    else:
        reasons.extend(f.reason for f in factors)
        if total_w > 0:
            reasons.append(f"適合度 {_num(suit)} (規則性・デジタル度・構造化の加重平均)")
        else:
            reasons.append("適合度の重みがすべて 0 → 適合度 1.00")
        reasons.extend(g.reason for g in gates)
        reasons.append(exc_reason)
        reasons.append(f"自動化可能割合 {_num(potential)} = 適合度 {_num(suit)} × gate {gate:g} × 例外 {_num(exc_mult)}")
    if items:
        base = f"{cfg.ease_base:g}"
        reasons.append(f"実装容易性 {ease:.0f} = {base} " + "、".join(
            f"{_pts(i.points)} {i.label}" for i in items
        ) + " " + " ".join(sorted({i.source for i in items})))
    else:
        reasons.append(f"実装容易性 {ease:.0f} (減点なし)")
    feasible = not step.system_change
    if step.system_change:
        src = "[UiPath-Feasibility]"
        reasons.append(f"システム更改予定 (system_change) → 実現性 要確認: 更改後に開発する {src}")
    assumed = [a for a in step.assumed if a in ("minutes", "medium", "rule_based", "structured", "systems",
                                                  "access", "seal", "exceptions", "system_change")]
    if assumed:
        reasons.append(f"推定値を含む: {', '.join(assumed)}")
    sc = StepScore(
        id=step.id, name=step.name, lane=step.lane, lane_name=lane_name, kind=step.kind, role=role, index=index,
        line=step.pos.line, visits=visits, minutes=minutes, staff_minutes_per_case=staff_minutes,
        suitability=suit, factors=factors, gates=gates, gate=gate, exception_rate=rate,
        exception_multiplier=exc_mult, exception_reason=exc_reason, potential=potential, ease=ease,
        ease_items=items, feasible=feasible, quadrant=quadrant(potential, ease, cfg), blockers=blockers,
        assumed=assumed, reasons=reasons,
    )
    sc.summary = step_summary(sc)
    return sc


def step_summary(s: StepScore) -> str:
    """One line: what the file says → suitability, the gates, the ease deductions, feasibility.
    e.g. `ルール・紙・非構造 → 適合度 0.33 / 容易性 30: 端末 −35、非構造 −25、AI-OCR −10`."""
    if s.role == "system":
        return "システム処理 (自動化済み、職員時間なし)"
    if s.role in ("resident", "external") and s.staff_minutes_per_case == 0:
        who = "住民の手順" if s.role == "resident" else "外部の担当"
        marks = [BLOCKER_JA[b] for b in s.blockers if b in ("seal", "paper", "in_person")]
        return f"{who} (職員時間なし)" + (f" / {'・'.join(marks)}" if marks else "")
    words = []
    for f in s.factors:
        if f.name == "rules":
            words.append("ルール" if f.value is True else "判断" if f.value is False else "ルール?")
        elif f.name == "digital":
            words.append(MEDIUM_JA[str(f.value)] if f.value is not None else "媒体?")
        else:
            words.append("構造化" if f.value is True else "非構造" if f.value is False else "構造?")
    parts = [f"{'・'.join(words)} → 適合度 {_num(s.suitability)}"]
    for g in s.gates:
        effect = "不可" if g.multiplier == 0 else f"×{g.multiplier:g}"
        parts.append(f"{BLOCKER_JA[g.name]}→{effect}")
    if s.exception_rate > 0:
        parts.append(f"例外 {_pct(s.exception_rate)}")
    short = {"systems": lambda i: f"システム{i.value}個", "access": lambda i: ACCESS_SHORT[str(i.value)],
             "data": lambda i: "非構造" if i.value is False else "構造?", "ocr": lambda i: "AI-OCR"}
    ease = "、".join(f"{short[i.name](i)} {_pts(i.points)}" for i in s.ease_items)
    parts.append(f"容易性 {s.ease:.0f}" + (f": {ease}" if ease else ""))
    if not s.feasible:
        parts.append("更改予定")
    return " / ".join(parts)


# ----- visits through the flow ----------------------------------------------------------------

def _branch_weights(g: nx.DiGraph, node: str, step: Step, notes: list[str]) -> dict[str, float]:
    """Probability (or, for parallel/inclusive, expected tokens) along each outgoing flow."""
    out = sorted(g.out_edges(node, data=True), key=lambda e: e[2].get("order", 0))
    if step.gateway == "parallel":
        return {v: 1.0 for _u, v, _d in out}  # every branch is taken once
    shares = [d.get("share") for _u, _v, d in out]
    given = sum(s for s in shares if s is not None)
    missing = [i for i, s in enumerate(shares) if s is None]
    filled = [s if s is not None else max(0.0, 1.0 - given) / len(missing) for s in shares]
    if missing:
        notes.append(f"分岐 `{node}` の share 未記入 {len(missing)} 本 → 残り {_pct(max(0.0, 1.0 - given))} を均等に配分")
    total = sum(filled)
    if step.gateway == "exclusive" and abs(total - 1.0) > 1e-9:
        if total <= 0:
            filled = [1.0 / len(out)] * len(out)
            notes.append(f"分岐 `{node}` の share がすべて 0 → 均等に配分")
        else:
            filled = [s / total for s in filled]
            notes.append(f"分岐 `{node}` の share 合計 {total:.2f} → 1 に正規化")
    weights: dict[str, float] = {}
    for (_u, v, _d), w in zip(out, filled, strict=True):
        weights[v] = weights.get(v, 0.0) + w
    return weights


def expected_visits(process: Process, g: nx.DiGraph | None = None,
                    notes: list[str] | None = None) -> dict[str, float]:
    """Expected visits per case of every node: the start's row of the fundamental matrix
    N = (I − Q)^-1 of the absorbing chain over the process graph.

    Exclusive/inclusive splits follow the branch shares (missing shares split the rest evenly);
    a parallel split sends a token down every branch; a parallel or inclusive join fires once
    per activation of the split that dominates it (or, in an unstructured model, once per
    arrival divided by its number of incoming flows). End nodes absorb.
    """
    g = g if g is not None else to_graph(process)
    notes = notes if notes is not None else []
    starts = start_nodes(g)
    if len(starts) != 1:
        raise TamaflowError(f"cannot score a process with {len(starts)} start nodes: run `tamaflow validate`",
                            process.path or "", process.pos.line, process.pos.col, "TF301")
    start = starts[0]
    nodes = list(g.nodes)
    transient = [n for n in nodes if g.out_degree(n) > 0]
    idx = {n: i for i, n in enumerate(transient)}
    flows: dict[str, dict[str, float]] = {}
    for u in transient:
        step: Step | None = g.nodes[u].get("step")
        if step is not None and step.is_gateway and not step.join and step.branches:
            flows[u] = _branch_weights(g, u, step, notes)
        else:
            flows[u] = {v: 1.0 for v in g.successors(u)}
    joins = [n for n in transient if (s := g.nodes[n].get("step")) is not None and s.join
             and s.gateway in ("parallel", "inclusive")]
    if joins:
        dom = immediate_dominators(g, start)
        for j in joins:
            d = dom.get(j)  # None: the join is not reachable from the start
            split: Step | None = g.nodes[d].get("step") if d is not None else None
            if d is not None and split is not None and split.is_gateway and not split.join and split.gateway in ("parallel", "inclusive"):
                # arrivals do not count: the join fires once per activation of its split
                for u in flows:
                    flows[u].pop(j, None)
                flows[d][j] = 1.0
            else:
                indeg = max(1, g.in_degree(j))
                for u in flows:
                    if j in flows[u]:
                        flows[u][j] /= indeg
    if start not in idx:  # a start that goes nowhere: nothing is visited but the start
        return {n: (1.0 if n == start else 0.0) for n in nodes}
    # (I − Q)^T as a sparse matrix: a process graph has about one flow per node, and a sparse
    # solve stays well under a millisecond where a dense one costs O(n^3) and fights over BLAS threads
    size = len(transient)
    rows: list[int] = list(range(size))
    cols: list[int] = list(range(size))
    vals: list[float] = [1.0] * size
    for u, targets in flows.items():
        for v, w in targets.items():
            if v in idx:
                rows.append(idx[v])
                cols.append(idx[u])
                vals.append(-w)
    a = sp.csc_matrix((vals, (rows, cols)), shape=(size, size))
    e = np.zeros(size)
    e[idx[start]] = 1.0
    row: np.ndarray | None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", MatrixRankWarning)
            row = np.atleast_1d(spsolve(a, e))
    except (MatrixRankWarning, RuntimeError, ValueError):
        row = None
    if row is None or not np.all(np.isfinite(row)) or row.min() < -1e-9 or row.max() > MAX_VISITS:
        # point at the first splitting gateway inside a loop: that is where the shares are written
        at, where = process.pos, ""
        looped = {n for comp in nx.strongly_connected_components(g) if len(comp) > 1 for n in comp}
        for st in process.steps:
            if st.id in looped and st.is_gateway and st.branches:
                at, where = st.where("branches"), f" at `{st.id}`"
                break
        raise TamaflowError(
            f"the branch shares make a loop that never ends{where} (the shares back into the loop add up to 1): "
            "give the way out a share > 0",
            process.path or "", at.line, at.col, "TF302",
        )
    visits = {n: max(0.0, float(row[idx[n]])) for n in transient}
    absorbed = {n: 0.0 for n in nodes if n not in idx}
    for u, targets in flows.items():
        for v, w in targets.items():
            if v in absorbed:
                absorbed[v] += visits[u] * w
    visits.update(absorbed)
    return {n: visits[n] for n in nodes}


# ----- per process -------------------------------------------------------------------------------

def score_process(process: Process, cfg: ScoreConfig | None = None) -> ProcessScore:
    """Score one process: every task, then the totals through the flow."""
    cfg = cfg or default_config()
    notes: list[str] = []
    g = to_graph(process)
    visits = expected_visits(process, g, notes)
    lanes = process.lane_map()
    lanes_with_minutes = {s.lane for s in process.steps if s.is_task and s.minutes is not None}
    steps: list[StepScore] = []
    missing: list[str] = []
    ignored: list[str] = []
    for i, s in enumerate(process.steps):
        if not s.is_task:
            continue
        role = step_role(s, process, cfg, lanes_with_minutes)
        lane = lanes.get(s.lane) if s.lane else None
        sc = score_step(s, cfg, role=role, visits=visits.get(s.id, 0.0), index=i,
                        lane_name=lane.name if lane else None)
        steps.append(sc)
        if role == "staff" and s.minutes is None:
            missing.append(s.id)
        if role == "system" and s.minutes is not None:
            ignored.append(s.id)
    if missing:
        notes.append(f"所要時間が未記入の職員の手順 (0 分として計算): {', '.join(missing)}")
    if ignored:
        notes.append(f"システム処理の minutes は職員時間に入れない: {', '.join(ignored)}")
    total = sum(sc.staff_minutes_per_case for sc in steps)
    auto = sum(sc.automatable_minutes_per_case for sc in steps)
    potential = auto / total if total > 0 else 0.0
    if total <= 0:
        notes.append("職員の所要時間がない → 時間と自動化可能割合は 0")
    weight_auto = [(sc.automatable_minutes_per_case, sc.ease) for sc in steps if sc.automatable_minutes_per_case > 0]
    weight_staff = [(sc.staff_minutes_per_case, sc.ease) for sc in steps if sc.staff_minutes_per_case > 0]
    basis = weight_auto or weight_staff
    ease = sum(w * e for w, e in basis) / sum(w for w, _e in basis) if basis else None
    volume = float(process.volume) if process.volume is not None else None
    if volume is None:
        notes.append("volume (件数/年) が未記入 → 時間/年は計算しない")
    hours = volume * total / 60 if volume is not None else None
    auto_hours = volume * auto / 60 * cfg.realisation if volume is not None else None
    for sc in steps:
        if volume is not None:
            sc.hours_per_year = volume * sc.staff_minutes_per_case / 60
            sc.automatable_hours_per_year = volume * sc.automatable_minutes_per_case / 60 * cfg.realisation
    blockers: dict[str, Blocker] = {b: Blocker() for b in BLOCKERS}
    for sc in steps:
        for b in sc.blockers:
            entry = blockers[b]
            entry.count += 1
            entry.steps.append(sc.id)
            if sc.hours_per_year is not None:
                entry.hours_per_year = (entry.hours_per_year or 0.0) + sc.hours_per_year
    for entry in blockers.values():
        if volume is not None and entry.hours_per_year is None:
            entry.hours_per_year = 0.0
    feasible = not any(sc.automatable_minutes_per_case > 0 and not sc.feasible for sc in steps)
    if not feasible:
        notes.append("自動化できる手順のシステムが更改予定 → 実現性 要確認 [UiPath-Feasibility]")
    return ProcessScore(
        process=process.process, name=process.name, city=process.city, area=process.area, volume=volume,
        path=process.path, minutes_per_case=total, automatable_minutes_per_case=auto, hours_per_year=hours,
        automatable_hours_per_year=auto_hours, potential=potential, ease=ease,
        quadrant=quadrant(potential, ease, cfg) if total > 0 else "reconsider", feasible=feasible,
        blockers=blockers, notes=notes, steps=steps, visits=visits,
    )
