"""Use cases: what each `tamaflow` command does, callable from Python without the CLI.

One module per command family (`publish`, `render`, `compare`, `score`, `summary`, `show`,
`importer`), each combining the library's stages (io → check → compare/score → render/publish)
for one job and returning plain results; the CLI in `tamaflow.cli` only parses options, calls one
function here and writes what it gets back. Nothing here parses command-line flags, and nothing
here imports `tamaflow.cli`.

No imports here on purpose: `tamaflow.cli` imports these modules only inside the command that
needs them, so `tamaflow --help` and `validate` start without the analysis stacks.
"""
