"""BPMN 2.0 in and out: `namespaces` (both directions' names), `read` (any BPMN → Process) and
`write` (the model-only parts of tamaflow's BPMN, the `tf:` round-trip extension among them).
The diagram itself needs a layout and is drawn by render/bpmn_writer.py."""
