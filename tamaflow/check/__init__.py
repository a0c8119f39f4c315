"""Checking process files: the structural rules (TF1xx, `rules.py`), the library rules and the
`validate` pipeline over files and folders (TF2xx, `validate.py`), and the per-rule severities of
tamaflow.yaml (`config.py`).

Depends on the model and the loaders (io/), never on compare/, score/, render/ or the CLI. Kept
empty of imports so that `import tamaflow.check.config` does not load the whole pipeline.
"""
