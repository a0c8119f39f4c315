"""Per city, how its flow differs from the standard, in sentences an analyst can paste into a
report: missing and extra steps, steps split in two, order changes, another lane/actor, paper or
a seal where the standard is electronic, an online channel the city lacks.

Japanese sentences for Japanese processes, English otherwise; labels are quoted as written.
Depends on the model only (through the views and the standard flow).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from .grouping import Group
from .labelspace import label_similarity
from .standard import StandardFlow
from .variant import ORDER, REVERSE, Node, VariantView

ELECTRONIC = ("system", "web-form", "pdf", "email")
ONLINE_CHANNELS = ("mynaportal", "logoform", "web", "email")

CHANNEL_JA = {
    "counter": "窓口", "post": "郵送", "mynaportal": "マイナポータル (ぴったりサービス)",
    "logoform": "LoGoフォーム", "web": "電子申請 (Web)", "email": "電子メール", "phone": "電話",
    "kiosk": "コンビニ・キオスク端末",
}
MEDIUM_JA = {
    "paper": "紙", "pdf": "PDF", "email": "電子メール", "web-form": "Webフォーム", "system": "システム",
    "in-person": "対面", "phone": "電話",
}


@dataclass(slots=True)
class Deviation:
    variant: str
    kind: str  # missing | extra | split | order | lane | paper | seal | channel
    message: str
    #: the variant's step ids concerned (empty for missing steps and channels)
    steps: list[str] = field(default_factory=list)
    #: the standard's step id concerned, if any
    standard_step: str | None = None
    #: the sentence rests on a cell of the alignment to check (`Comparison.to_check`): the city's
    #: step it names may be aligned wrongly, and then so is the sentence
    check: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "steps": self.steps, "standard_step": self.standard_step,
                "check": self.check}


def deviations(
    views: Sequence[VariantView],
    groups: Sequence[Group],
    std: StandardFlow,
    japanese: bool,
    merged: Mapping[tuple[int, int], set[int]] | None = None,
    check: Collection[tuple[int, int]] = (),
) -> dict[str, list[Deviation]]:
    """Deviations of every variant from the standard, in a fixed order per variant. `merged`:
    (variant, group) → the variant's steps that do that group's work together with another's.
    `check`: the cells to check, (group, variant); a sentence about a city's step in such a
    cell (its order, lane, medium or seal, or an extra step) is marked `check`: where the
    alignment put that step in the wrong row, the sentence reports a difference that is not there
    (ja-dev4's 市民農園: Musashino is told 「どの はたけ（くかく）を つかうか きめる」を「往復はがき受付・
    申込者一覧入力」の後に行っています about its allocation of the plots, which sits in the row of
    the other cities' applications)."""
    merged = merged or {}
    check = set(check)
    #: (variant, node) of every step in a cell to check, read off the cells once instead of
    #: scanning every group for every city (cities × groups, on the fast path's thousands of cities)
    unsure = {(v, k) for gi, v in check for k in groups[gi].members.get(v, [])}
    out: dict[str, list[Deviation]] = {}
    steps = {s.group: s for s in std.steps}
    std_lane_names = {lane.id: lane.name for lane in std.process.lanes}
    in_kept: dict[int, set[int]] = {v: set() for v in range(len(views))}
    for gi in std.order:
        for v, ks in groups[gi].members.items():
            in_kept[v].update(ks)
    rank = {gi: r for r, gi in enumerate(std.order)}
    for v, view in enumerate(views):
        found: list[Deviation] = []
        name = view.variant
        # missing
        for gi in std.order:
            if v not in groups[gi].members and merged.get((v, gi)):
                s = steps[gi]
                ks = sorted(merged[(v, gi)])
                labels = "」「".join(view.nodes[k].name for k in ks)
                msg = (f"標準の「{s.step.name}」は「{labels}」の中で行っています (一つの手順にまとめています)。" if japanese
                       else f"The standard's “{s.step.name}” is done within “{labels}” here (one merged step).")
                found.append(Deviation(name, "merged", msg, [view.nodes[k].id for k in ks], s.step.id))
                continue
            if v not in groups[gi].members:
                s = steps[gi]
                lane = std_lane_names.get(s.step.lane or "", "")
                pct = f"{s.support:.0%}"
                msg = (f"標準の手順「{s.step.name}」({lane}) がありません (標準では {pct} の市が実施)。" if japanese
                       else f"Missing step “{s.step.name}” ({lane}): {pct} of the variants do it.")
                found.append(Deviation(name, "missing", msg, [], s.step.id))
        # extra
        for k, node in enumerate(view.nodes):
            if k in in_kept[v] or node.type == "gateway":
                continue
            msg = (f"標準にない手順「{node.name}」{f'({node.lane}) ' if node.lane else ''}があります。" if japanese
                   else f"Extra step “{node.name}”{f' ({node.lane})' if node.lane else ''} that the standard does not have.")
            found.append(Deviation(name, "extra", msg, [node.id], None, (v, k) in unsure))
        # split: several steps where the standard has one
        for gi in std.order:
            ks = groups[gi].members.get(v, [])
            if len(ks) > 1:
                s = steps[gi]
                labels = "」「".join(view.nodes[k].name for k in ks)
                msg = (f"標準の「{s.step.name}」を {len(ks)} つの手順 (「{labels}」) で行っています。" if japanese
                       else f"The standard's “{s.step.name}” is done in {len(ks)} steps here (“{labels}”).")
                found.append(Deviation(name, "split", msg, [view.nodes[k].id for k in ks], s.step.id))
        # order: pairs in strict order in the standard but reversed here; report the fewest moved steps
        present = [gi for gi in std.order if v in groups[gi].members]
        inversions: list[tuple[int, int]] = []
        for i, a in enumerate(present):
            for b in present[i + 1:]:
                if std.relation.get((a, b)) != ORDER:
                    continue
                ra = view.profile[groups[a].members[v][0], groups[b].members[v][0]]
                if ra == REVERSE:
                    inversions.append((a, b))
        while inversions:
            counts: dict[int, int] = {}
            for a, b in inversions:
                counts[a] = counts.get(a, 0) + 1
                counts[b] = counts.get(b, 0) + 1
            moved = max(sorted(counts), key=lambda g: (counts[g], rank[g]))
            partner_pairs = [(a, b) for a, b in inversions if moved in (a, b)]
            a, b = partner_pairs[0]
            other = b if a == moved else a
            s, o = steps[moved], steps[other]
            here = [view.nodes[k].id for k in groups[moved].members[v]]
            if rank[moved] < rank[other]:
                msg = (f"「{s.step.name}」を「{o.step.name}」の後に行っています (標準では前)。" if japanese
                       else f"“{s.step.name}” comes after “{o.step.name}” here; the standard does it before.")
            else:
                msg = (f"「{s.step.name}」を「{o.step.name}」の前に行っています (標準では後)。" if japanese
                       else f"“{s.step.name}” comes before “{o.step.name}” here; the standard does it after.")
            found.append(Deviation(name, "order", msg, here, s.step.id, (moved, v) in check or (other, v) in check))
            inversions = [(x, y) for x, y in inversions if moved not in (x, y)]
        # lane / actor, medium, seal
        for gi in std.order:
            ks = groups[gi].members.get(v, [])
            if not ks:
                continue
            s = steps[gi]
            node = view.nodes[ks[0]]
            std_lane = std_lane_names.get(s.step.lane or "", "")
            if _other_actor(view, node, s.step.lane, std_lane, std.lane_roles.get((v, node.lane or ""))):
                msg = (f"「{s.step.name}」を「{std_lane}」ではなく「{node.lane}」が行っています。" if japanese
                       else f"“{s.step.name}” is done by “{node.lane}” here, not by “{std_lane}” as in the standard.")
                found.append(Deviation(name, "lane", msg, [node.id], s.step.id, (gi, v) in check))
            if s.step.medium in ELECTRONIC and any(view.nodes[k].step.medium == "paper" for k in ks):
                sm = s.step.medium or ""
                msg = (f"「{s.step.name}」を紙で行っています (標準は{MEDIUM_JA.get(sm, sm)})。" if japanese
                       else f"“{s.step.name}” is done on paper here; the standard uses {sm}.")
                found.append(Deviation(name, "paper", msg, [view.nodes[k].id for k in ks], s.step.id, (gi, v) in check))
            if not s.step.seal and any(view.nodes[k].step.seal for k in ks):
                msg = (f"「{s.step.name}」で押印を求めています (標準は押印なし)。" if japanese
                       else f"“{s.step.name}” requires a seal (hanko) here; the standard does not.")
                found.append(Deviation(name, "seal", msg, [view.nodes[k].id for k in ks], s.step.id, (gi, v) in check))
        # online channels
        for ch in std.process.channels:
            if ch in ONLINE_CHANNELS and ch not in view.process.channels:
                msg = (f"標準にあるオンラインの申請窓口「{CHANNEL_JA.get(ch, ch)}」がありません。" if japanese
                       else f"No “{ch}” channel, which the standard offers online.")
                found.append(Deviation(name, "channel", msg, [], None))
        out[name] = found
    return out


def _other_actor(view: VariantView, node: Node, std_lane_id: str | None, std_lane: str,
                 played: str | None = None) -> bool:
    """Whether a step is done by another actor than in the standard. Lane ids name roles in
    YAML libraries (counter, back, system…) while names carry each city's department; so when the
    variant uses the standard's lane ids, the ids decide. Otherwise the step's lane is the
    standard lane's when the city's lane plays that lane's role in the standard (`played`: the
    standard lane of its role, `StandardFlow.lane_roles`) or its name reads like the standard
    lane's (label similarity 0.5 or more).

    Cities name their departments their own way (産業振興係 / 市（さんぎょう しんこう か） / 生活
    経済課 農政係, Street Scene Inspectors / City Amenity Team): read by name alone, every step of
    such a city is done "by another actor", and on the development sets those sentences were
    half of all deviations (en-dev3 92 of 162, ja-dev4 96 of 158). Read by role, what is left is a
    step the city gives to another role than the rest of that role's work."""
    if not node.lane or not std_lane:
        return False
    lane_ids = {lane.id for lane in view.process.lanes}
    if std_lane_id and std_lane_id in lane_ids and node.step.lane:
        return node.step.lane != std_lane_id
    if played is not None and played == std_lane_id:
        return False
    return node.lane != std_lane and label_similarity(node.lane, std_lane) < 0.5
