"""The data-class vocabulary as data: `data_classes.json`, one entry per class.

Each entry is {"slug", "name", "description", "hibp": [...], "veris": [...]}:
`hibp` lists Have I Been Pwned's exact DataClasses names and `veris` the VERIS
attribute.confidentiality data varieties that map to the class. The mapping is
data, not code: a class the datasets add later is one more entry here (and a
data migration that loads it), never a branch in an importer.

Slugs are stable: slugified HIBP names, except where a class the project
already had covers the name (`Geographic locations` is `geolocation`).
"""

import json
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "data_classes.json"
DATASETS = {"hibp": "hibp", "veris": "veris", "vcdb": "veris"}


@lru_cache(maxsize=1)
def data_class_entries():
    """Every entry of the vocabulary file, in its order (slug order)."""
    return tuple(json.loads(PATH.read_text(encoding="utf-8")))


def _key(name):
    return " ".join(name.split()).casefold()


@lru_cache(maxsize=1)
def _index():
    exact, loose = {}, {}
    for entry in data_class_entries():
        for field in ("hibp", "veris"):
            for name in entry[field]:
                exact[(field, name)] = entry["slug"]
                loose.setdefault((field, _key(name)), entry["slug"])
    return exact, loose


def data_class_for(dataset, name):
    """The slug a dataset's class name maps to ("hibp" or "veris"/"vcdb"), or None when none does.

    The exact name first, then the same name with other case or spacing
    ("email addresses", " Medical ").
    """
    field = DATASETS.get(dataset)
    if field is None:
        raise ValueError(f"Unknown dataset {dataset!r}: use one of {', '.join(sorted(DATASETS))}.")
    if not isinstance(name, str):
        return None
    exact, loose = _index()
    return exact.get((field, name)) or loose.get((field, _key(name)))


def data_class(slug):
    """The vocabulary entry of a slug, or None."""
    return next((e for e in data_class_entries() if e["slug"] == slug), None)
