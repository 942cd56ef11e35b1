"""The public surface lists every module, so notebooks can rely on `from helpers import <module>`."""
import importlib
from pathlib import Path

import helpers

HELPERS = Path(helpers.__file__).parent


def test_all_lists_every_public_module_and_each_imports():
    modules = {p.stem for p in HELPERS.glob("*.py") if not p.stem.startswith("_")}
    packages = {p.parent.name for p in HELPERS.glob("*/__init__.py")}
    assert set(helpers.__all__) == modules | packages
    for name in helpers.__all__:
        importlib.import_module(f"helpers.{name}")
