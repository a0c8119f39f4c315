"""Checking process files: the structural rules (TF1xx, `rules.py`), the library rules and the
`validate` pipeline over files and folders (TF2xx, `validate.py`), and the per-rule severities of
tamaflow.yaml (`config.py`). What every code means is in the registry of model/codes.py.

Depends on the model and the loaders (io/), never on compare/, score/, render/ or the CLI. No
imports here: importing one module of the package loads only what that module needs.
"""
