"""Japanese city names for output, from the `cities.yaml` of the library a file belongs to.

Files carry city slugs (`kunitachi`); tables and drawings show the names (`国立市`). A file outside
a library, or a slug its library does not list, keeps the slug. JSON output keeps slugs.
"""

from __future__ import annotations

from pathlib import Path

from ..io.library import find_library_root, read_cities
from ..model.library import CITIES_FILE


class CityNames:
    """Slug → name per library, each library's cities.yaml read once. Its own problems are
    `tamaflow validate`'s business; whatever entries load are used."""

    def __init__(self) -> None:
        self.by_root: dict[Path, dict[str, str]] = {}

    def of_library(self, path: Path) -> dict[str, str]:
        """Every slug → name of the library `path` is in (empty outside a library)."""
        root = find_library_root(path)
        if root is None:
            return {}
        if root not in self.by_root:
            cities, _findings = read_cities(str(root / CITIES_FILE))
            self.by_root[root] = {slug: c.name for slug, c in cities.items()}
        return self.by_root[root]

    def lookup(self, file: str, slug: str) -> str | None:
        """The name of city `slug` in the library of `file`, or None when it has none."""
        return self.of_library(Path(file)).get(slug)


def city_names(paths: list[str]) -> dict[str, str]:
    """Slug → name from the libraries of all `paths`, sorted by slug (for a report's tables)."""
    names: dict[str, str] = {}
    reader = CityNames()
    for p in paths:
        names.update(reader.of_library(Path(p)))
    return dict(sorted(names.items()))
