"""Every service has the same rooms; the domain is pure; the documents hold what the code says they do.

A newcomer finds any rule from docs/architecture.md in one hop: every path in its "Where to find it"
table exists. Nothing under `services/*/domain/` talks to a database, a broker, HTTP or the
environment. Every Markdown document the code names is in the repository.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from shared.settings import REPO_ROOT

SERVICES = sorted(p for p in (REPO_ROOT / "services").iterdir() if p.is_dir() and (p / "app.py").exists())
ROOMS = {"__init__.py", "domain", "steps", "handlers", "api", "store", "jobs.py", "config.py", "metrics.py",
         "events.py", "app.py", "migrations", "README.md"}
NOT_IN_THE_DOMAIN = ("asyncpg", "fastapi", "starlette", "aiokafka", "faststream", "shared.db", "shared.http",
                     "shared.outbox", "shared.consumer", "shared.service")
ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"


def _entries(service: Path) -> set[str]:
    return {p.name for p in service.iterdir() if p.name != "__pycache__"}


def test_there_are_seven_services():
    assert [s.name for s in SERVICES] == ["agreements", "delivery", "invoicing", "payments", "queries",
                                          "reporting", "requests"]


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_a_service_has_only_the_rooms_of_the_one_shape(service: Path):
    assert _entries(service) - ROOMS == set(), f"{service.name} has rooms the one shape does not name"
    for needed in ("app.py", "metrics.py", "migrations", "README.md", "domain"):
        assert needed in _entries(service), f"{service.name} has no {needed}"


def _imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _reads_environment(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os" \
                and node.attr in ("environ", "getenv", "putenv"):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in ("environ", "getenv") for a in node.names):
            return True
    return False


DOMAIN_MODULES = sorted(p for s in SERVICES for p in (s / "domain").rglob("*.py"))


def test_every_service_has_domain_modules():
    assert {p.relative_to(REPO_ROOT / "services").parts[0] for p in DOMAIN_MODULES} == {s.name for s in SERVICES}


@pytest.mark.parametrize("module", DOMAIN_MODULES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_the_domain_is_pure(module: Path):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    impure = [m for m in _imports(tree) if any(m == bad or m.startswith(bad + ".") for bad in NOT_IN_THE_DOMAIN)]
    assert impure == [], f"{module.relative_to(REPO_ROOT)} imports {impure}"
    assert not _reads_environment(tree), f"{module.relative_to(REPO_ROOT)} reads the environment"


def _where_to_find_paths() -> list[str]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Where to find it", 1)[1].split("\n## ", 1)[0]
    paths = re.findall(r"`((?:services|shared|contracts|deploy|tests|docs)/[^`\s]+)`", section)
    assert len(paths) >= 6, "the table names at least a visit's pay, an invoice hold, a run's approval, " \
                            "a BACS file, a query's effect on money and a missed-visit alert"
    return paths


def test_every_path_in_the_where_to_find_it_table_exists():
    missing = [p for p in _where_to_find_paths() if not (REPO_ROOT / p.split("::")[0]).exists()]
    assert missing == []


def test_a_name_the_table_gives_inside_a_module_is_defined_there():
    """`path.py::name` rows point at a function or class that the module defines."""
    wrong = []
    for entry in _where_to_find_paths():
        if "::" not in entry:
            continue
        path, name = entry.split("::", 1)
        tree = ast.parse((REPO_ROOT / path).read_text(encoding="utf-8"))
        defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                      ast.ClassDef))}
        defined |= {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets
                    if isinstance(t, ast.Name)}
        defined |= {n.target.id for n in ast.walk(tree) if isinstance(n, ast.AnnAssign)
                    and isinstance(n.target, ast.Name)}
        if name.split(".")[0] not in defined:
            wrong.append(entry)
    assert wrong == []


DOCUMENT = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.md)\b")


def test_every_document_the_code_names_is_in_the_repository():
    known = {p.relative_to(REPO_ROOT).as_posix() for p in REPO_ROOT.rglob("*.md")
             if ".venv" not in p.parts and ".local" not in p.parts}
    names = {Path(k).name for k in known}
    code = [p for top in ("services", "shared", "contracts", "benchmarks", "deploy", "tests")
            for p in (REPO_ROOT / top).rglob("*") if p.suffix in (".py", ".sh", ".sql", ".yaml", ".yml")
            and "__pycache__" not in p.parts]
    missing = set()
    for path in code:
        for cited in DOCUMENT.findall(path.read_text(encoding="utf-8", errors="replace")):
            if cited not in known and cited not in names and not any(k.endswith("/" + cited) for k in known):
                missing.add(f"{path.relative_to(REPO_ROOT)}: {cited}")
    assert sorted(missing) == []
