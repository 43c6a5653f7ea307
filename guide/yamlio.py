"""Reading Guide's YAML data files: libyaml's C safe loader when PyYAML was built with it (the same
safe subset, about ten times faster: the crisis training files alone took a second to parse),
else PyYAML's pure-Python safe loader."""

from __future__ import annotations

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str):
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
