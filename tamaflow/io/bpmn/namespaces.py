"""BPMN's namespaces and element names, for both directions: what the reader accepts and what
the writer emits, side by side so the two cannot drift apart (the `tf` extension namespace
used to be defined once in each).

Only names and tiny lookups on lxml elements; no model, no I/O.
"""

from __future__ import annotations

from lxml import etree

from ..xml_safe import local, namespace

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: what the reader accepts: the final namespace and that of pre-final exports of some tools
BPMN_NAMESPACES = (BPMN_NS, "http://www.omg.org/spec/BPMN/20100501/MODEL")
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
#: tamaflow's own round-trip attributes in `bpmn:extensionElements` (format: io/bpmn/write.py)
TF_NS = "https://tamaflow.example/schema/bpmn"
NSMAP = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "xsi": XSI_NS, "tf": TF_NS}

# ----- reading: BPMN element → tamaflow ---------------------------------------------------------
#: activity element → task `kind`
TASK_KIND_OF = {
    "task": "user",
    "userTask": "user",
    "manualTask": "manual",
    "serviceTask": "service",
    "scriptTask": "service",
    "sendTask": "send",
    "receiveTask": "receive",
    "businessRuleTask": "rule",
    # activities with inner structure are imported as one task (see io/bpmn/read.py)
    "subProcess": "user",
    "adHocSubProcess": "user",
    "transaction": "user",
    "callActivity": "user",
}
#: gateway element → `gateway`
GATEWAY_OF = {
    "exclusiveGateway": "exclusive",
    "parallelGateway": "parallel",
    "inclusiveGateway": "inclusive",
    "complexGateway": "inclusive",
    "eventBasedGateway": "exclusive",
}
EVENT_ELEMENTS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")

# ----- writing: tamaflow → BPMN element ---------------------------------------------------------
#: task `kind` → activity element
TASK_TAGS = {
    "user": "userTask",
    "manual": "manualTask",
    "service": "serviceTask",
    "send": "sendTask",
    "receive": "receiveTask",
    "rule": "businessRuleTask",
    "approval": "userTask",
}
GATEWAY_TAGS = {"exclusive": "exclusiveGateway", "parallel": "parallelGateway", "inclusive": "inclusiveGateway"}
#: intermediate events: element and event definition (None = a plain "none" event)
EVENT_TAGS: dict[str, tuple[str, str | None]] = {
    "message": ("intermediateCatchEvent", "messageEventDefinition"),
    "message-throw": ("intermediateThrowEvent", "messageEventDefinition"),
    "timer": ("intermediateCatchEvent", "timerEventDefinition"),
    "signal": ("intermediateCatchEvent", "signalEventDefinition"),
    "none": ("intermediateThrowEvent", None),
}


def bpmn(tag: str) -> str:
    """The qualified name of a BPMN element, for writing."""
    return f"{{{BPMN_NS}}}{tag}"


def tf(tag: str) -> str:
    """The qualified name of a tamaflow extension element, for writing."""
    return f"{{{TF_NS}}}{tag}"


def is_bpmn(el: etree._Element) -> bool:
    return namespace(el.tag) in BPMN_NAMESPACES


def bpmn_children(el: etree._Element, name: str) -> list[etree._Element]:
    """The BPMN children of `el` called `name` (any accepted BPMN namespace)."""
    return [c for c in el if local(c.tag) == name and namespace(c.tag) in BPMN_NAMESPACES]


def is_flow_node(el: etree._Element) -> bool:
    """A task, gateway or event: an element that becomes a step."""
    tag = local(el.tag)
    return is_bpmn(el) and (tag in TASK_KIND_OF or tag in GATEWAY_OF or tag in EVENT_ELEMENTS)


def tf_children(el: etree._Element, name: str) -> list[etree._Element]:
    """The tamaflow extension children of `el` called `name`."""
    return [c for c in el if namespace(c.tag) == TF_NS and local(c.tag) == name]
