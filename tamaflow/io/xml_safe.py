"""Safe XML parsing for the BPMN and PNML importers: no entities, no DTD, no network.

Files from other tools are untrusted input. A document type declaration is the door to the
classic XML attacks (billion laughs, external entities reading local files or URLs), and no
BPMN or PNML file needs one, so any `<!DOCTYPE` or `<!ENTITY` is refused before lxml sees the
bytes; the parser is configured defensively as a second line of defence. Every problem becomes
one `path:line:col: message` TamaflowError (TF001 unreadable file, TF002 XML syntax, TF003
unsafe construct), never a traceback.

Depends only on lxml and the model's error type.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ..model.findings import TamaflowError

#: a BPMN or PNML file this large is not a process model but an accident or an attack
MAX_BYTES = 50 * 1024 * 1024

_UNSAFE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=True,
    )


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _scan_text(data: bytes) -> str:
    """A text view of the bytes good enough to find markup positions in any XML encoding."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:  # columns in characters for the usual case
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # other ASCII-compatible encodings keep markup characters where they are; latin-1 never fails
        return data.decode("latin-1")


def read_bytes(path: str) -> bytes:
    """Read a file with one clear error for missing, unreadable, oversized or empty files."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise TamaflowError(f"file is {size:,} bytes, over the {MAX_BYTES:,}-byte limit for a model file",
                                path, 1, 1, "TF001")
        data = p.read_bytes()
    except FileNotFoundError:
        raise TamaflowError(f"no such file: {path}", path, 0, 0, "TF001") from None
    except IsADirectoryError:
        raise TamaflowError(f"{path} is a folder, not a file", path, 0, 0, "TF001") from None
    except OSError as e:
        raise TamaflowError(f"cannot read the file: {e.strerror}", path, 0, 0, "TF001") from None
    return data


def parse_xml(path: str, data: bytes | None = None) -> etree._ElementTree:
    """Parse XML safely. Raises TamaflowError with a position for empty, unsafe or broken files."""
    if data is None:
        data = read_bytes(path)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise TamaflowError("file is empty: not an XML model", path, 1, 1, "TF001")
    text = _scan_text(data)
    m = _UNSAFE.search(text)
    if m:
        line, col = _line_col(text, m.start())
        what = "a document type declaration (<!DOCTYPE …>)" if m.group(1).upper() == "DOCTYPE" \
            else "an entity declaration (<!ENTITY …>)"
        raise TamaflowError(f"unsafe XML: {what} is not allowed in a model file (entity expansion and external "
                            "entities are refused)", path, line, col, "TF003")
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as e:
        line, col = (e.position if e.position else (e.lineno or 1, e.offset or 1))
        # libxml2 may append the offending text on further lines: the message stays one line
        first = (str(e.msg or e).strip().splitlines() or ["not well-formed"])[0]
        msg = re.sub(r",?\s*line \d+(, column \d+)?.*$", "", first).strip()
        raise TamaflowError(f"XML syntax error: {msg}", path, max(int(line), 1), max(int(col), 1), "TF002") from None
    except ValueError as e:  # e.g. an unsupported encoding declaration
        raise TamaflowError(f"XML syntax error: {e}", path, 1, 1, "TF002") from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # pragma: no cover - the scan above catches it
        raise TamaflowError("unsafe XML: a document type declaration is not allowed in a model file",
                            path, 1, 1, "TF003")
    return tree


def local(tag: object) -> str:
    """Local name of an element tag ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: object) -> str:
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1:].split("}", 1)[0]
