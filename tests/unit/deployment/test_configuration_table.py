"""The README's "Configuration" table has one row for every setting any settings model reads (a row may stand for
a family: `CAREPAY_<SERVICE>_PORT`), each with its local default and its production rule."""
from __future__ import annotations

import importlib
import re

from shared.settings import REPO_ROOT, SERVICE_PORTS
from shared.settings_sources import CarepaySettings

ROW = re.compile(r"^\| `([^`]+)` \|")


def _rows() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Configuration\n"):]
    section = section[:section.index("\n## ", 1)]
    rows = [line for line in section.splitlines() if ROW.match(line)]
    assert all(line.count(" | ") == 3 for line in rows), "each row: variable | local default | in production | meaning"
    return [ROW.match(line).group(1) for line in rows]


def _models() -> list[type[CarepaySettings]]:
    for service in SERVICE_PORTS:
        try:
            importlib.import_module(f"services.{service}.config")
        except ModuleNotFoundError as exc:
            assert exc.name == f"services.{service}.config", exc
    found, todo = [], list(CarepaySettings.__subclasses__())
    while todo:
        model = todo.pop()
        todo += model.__subclasses__()
        if model.__module__.startswith(("shared.", "services.")):
            found.append(model)
    return found


def test_every_setting_has_one_row():
    rows = _rows()
    assert len(rows) == len(set(rows)), "a variable with two rows"
    families = [re.compile(re.sub(r"<[A-Z]+>", "[A-Z_]+", re.escape(r)))
                for r in rows if "<" in r and not r.startswith("<")]  # `<NAME>_FILE` is no family
    variables = {v for model in _models() for v in model.variables()}
    assert {"DATABASE_URL", "CAREPAY_BACS_SUN", "CAREPAY_QUERIES_SLA_OTHER", "CAREPAY_DELIVERY_URL"} <= variables
    undocumented = sorted(v for v in variables if v not in rows and not any(f.fullmatch(v) for f in families))
    assert undocumented == [], f"add a row to the README's Configuration table for {undocumented}"
