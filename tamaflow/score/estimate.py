"""The explainable RPA-potential model: per step, then per process through the flow.

Per step (docs/score.md §1): suitability = weighted mean of rule-based decisions, digital input
and structured input (UiPath's Idea Score suitability); gates (seal, in-person identity check,
judgement, approval) multiply it towards 0; exceptions stay with staff (× (1 − rate)). Ease of
implementation starts at 100 and loses points for systems, access type, unstructured data and
paper that needs AI-OCR. A step whose system is about to change is flagged, not scored down.

Per process: each step's minutes are weighed by its expected visits per case (visits.py: an
absorbing Markov chain over the process graph, so branch shares and rework loops count);
hours per year = volume × minutes / 60.

Every factor's value and contribution is kept as data (`Factor`, `Gate`, `EaseItem`), and the
reasons analysts read are rendered from that data, in Japanese (words: wording.py). Depends only
on the model and this package's config; all numbers are raw floats (rounding is the report's job).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.graph import to_graph
from ..model.process import Process, Step
from .config import ScoreConfig, default_config
from .visits import expected_visits
from .wording import (
    ACCESS_JA,
    ACCESS_SHORT,
    BLOCKER_JA,
    BLOCKERS,
    MEDIUM_JA,
    QUADRANT_JA,
    SEAL_FIRST,
    STAFF_QUADRANTS,
    decimal,
    percent,
    signed,
)


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
        return f"{self.label} {signed(self.points)} {self.source}"


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

    @property
    def quadrant_label(self) -> str:
        """The quadrant in Japanese; a staff step held back by its seal gate says so, since
        「再検討」 alone would hide that the seal, not the robot, is the first thing to change."""
        word = QUADRANT_JA[self.quadrant]
        if self.quadrant in STAFF_QUADRANTS and any(g.name == "seal" for g in self.gates):
            return f"{word}: {SEAL_FIRST}"
        return word


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


def step_quadrant(role: str, staff_minutes: float, potential: float, ease: float, cfg: ScoreConfig) -> str:
    """The quadrant of one step. Only staff work is placed by potential and ease: a system step
    is `automated` (its potential of 1 is not a quick win to build), and a resident's or outside
    party's step with no staff minutes is `resident` / `external`, out of scope. A resident-lane
    step that carries minutes counts as staff time and is placed like staff work."""
    if role == "system":
        return "automated"
    if role in ("resident", "external") and staff_minutes == 0:
        return role
    return quadrant(potential, ease, cfg)


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
        return f"{what}{w}、適合度への寄与 +{decimal(share(name, score))} {src}"

    def yes_no(name: str, fieldname: str, value: bool | None, yes_no_scores: tuple[float, float], unknown_what: str,
               yes: str, no: str, measure: str) -> Factor:
        """A factor read from a true/false/unknown field (rules, structure)."""
        if value is None:
            s, what = unknown, f"{unknown_what} → 中間値 {decimal(unknown)}"
        else:
            s = yes_no_scores[0] if value else yes_no_scores[1]
            what = f"{yes if value else no} ({fieldname}: {'true' if value else 'false'}) → {measure} {decimal(s)}"
        return Factor(name, fieldname, value, s, weights[name], share(name, s), src, text(name, what, s, src))

    out.append(yes_no("rules", "rule_based", step.rule_based, (cfg.rules_true, cfg.rules_false),
                      "ルール判断か未記入", "ルールで判断できる", "判断を要する", "規則性"))
    # digitisation
    if step.medium is None:
        s, what = unknown, f"入力媒体が未記入 → デジタル度 中間値 {decimal(unknown)}"
        msrc = src
    else:
        s = cfg.medium[step.medium]
        what = f"入力媒体: {MEDIUM_JA[step.medium]} (medium: {step.medium}) → デジタル度 {decimal(s)}"
        msrc = cfg.source(f"suitability.medium.{step.medium}")
    out.append(Factor("digital", "medium", step.medium, s, weights["digital"], share("digital", s), msrc,
                      text("digital", what, s, msrc)))
    out.append(yes_no("structured", "structured", step.structured, (cfg.structured_true, cfg.structured_false),
                      "構造化データか未記入", "構造化データ", "非構造データ", "構造化"))
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
    """Score one task: suitability, gates, exceptions, ease, and its minutes per case.

    Parameters
    ----------
    step : Step
        A task of a process (gateways and events are not scored).
    cfg : ScoreConfig, optional
        Weights, gates and defaults (docs/score.md §5); the shipped defaults when omitted.
    role : str
        "staff", "system" or "resident": only staff minutes count as staff hours.
    visits : float
        Expected visits per case (`expected_visits`); it only scales the minutes.
    index : int
        The step's position in the process, for stable ordering.
    lane_name : str, optional
        Shown in the reasons.

    Returns
    -------
    StepScore
        Potential in [0, 1], ease 0–100, the automatable share of its minutes, and every
        factor's contribution with a Japanese reason.

    References
    ----------
    [UiPath-IdeaScore], [Estimator-EoI], [Wellmann-FailureRate] in docs/references.md.
    """
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
        exc_what = f"例外率が未記入 → {percent(rate)} と仮定"
    else:
        rate = float(step.exceptions)
        exc_what = f"例外率 {percent(rate)}"
    exc_mult = max(0.0, 1.0 - cfg.exceptions_weight * rate)
    exc_src = cfg.source("exceptions.weight")
    exc_reason = f"{exc_what} → ×{decimal(exc_mult)} (例外は職員が処理) {exc_src}"
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
    visit_txt = f" × {decimal(visits)} 回/件" if abs(visits - 1.0) > 1e-9 else ""
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
            reasons.append(f"適合度 {decimal(suit)} (規則性・デジタル度・構造化の加重平均)")
        else:
            reasons.append("適合度の重みがすべて 0 → 適合度 1.00")
        reasons.extend(g.reason for g in gates)
        reasons.append(exc_reason)
        reasons.append(f"自動化可能割合 {decimal(potential)} = 適合度 {decimal(suit)} × gate {gate:g} × 例外 {decimal(exc_mult)}")
    if items:
        base = f"{cfg.ease_base:g}"
        reasons.append(f"実装容易性 {ease:.0f} = {base} " + "、".join(
            f"{signed(i.points)} {i.label}" for i in items
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
        ease_items=items, feasible=feasible, quadrant=step_quadrant(role, staff_minutes, potential, ease, cfg),
        blockers=blockers,
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
    parts = [f"{'・'.join(words)} → 適合度 {decimal(s.suitability)}"]
    for g in s.gates:
        effect = "不可" if g.multiplier == 0 else f"×{g.multiplier:g}"
        parts.append(f"{BLOCKER_JA[g.name]}→{effect}")
    if s.exception_rate > 0:
        parts.append(f"例外 {percent(s.exception_rate)}")
    short = {"systems": lambda i: f"システム{i.value}個", "access": lambda i: ACCESS_SHORT[str(i.value)],
             "data": lambda i: "非構造" if i.value is False else "構造?", "ocr": lambda i: "AI-OCR"}
    ease = "、".join(f"{short[i.name](i)} {signed(i.points)}" for i in s.ease_items)
    parts.append(f"容易性 {s.ease:.0f}" + (f": {ease}" if ease else ""))
    if not s.feasible:
        parts.append("更改予定")
    return " / ".join(parts)


# ----- per process -------------------------------------------------------------------------------

def score_process(process: Process, cfg: ScoreConfig | None = None) -> ProcessScore:
    """Score one process: every task, then the totals through the flow.

    Parameters
    ----------
    process : Process
    cfg : ScoreConfig, optional
        The shipped defaults when omitted.

    Returns
    -------
    ProcessScore
        Per step scores; expected staff minutes per case through branch shares and loops
        (`expected_visits`); hours and automatable hours a year at the process's `volume`; the
        potential, quadrant and blockers.

    References
    ----------
    [Kemeny] (expected visits) and the sources of `score_step` in docs/references.md.
    """
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
