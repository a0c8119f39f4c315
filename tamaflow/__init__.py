"""tamaflow: model municipal procedures as YAML, compare them across cities, score RPA potential
and draw standard diagrams. See README.md and docs/format.md."""

__version__ = "0.1.0"
