"""ExportPlan -> the package's files (bodies; the writer adds provenance headers).

src layout: ``pyproject.toml``, ``README.md``, ``src/<pkg>/__init__.py`` with
``__all__``, one module per target, ``config.py``, ``py.typed`` and
``tests/test_<pkg>.py``. Every Python file goes through ``HoistImports`` (imports
gathered, added, pruned) and then isort + black.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext

from nbprod.export.deps import requirements
from nbprod.export.format import format_python
from nbprod.export.model import ExportPlan, ImportSpec
from nbprod.export.transforms import HoistImports

PY_TYPED = "py.typed"


@dataclass(slots=True)
class Rendered:
    files: dict[str, str] = field(default_factory=dict)  # relative posix path -> body
    cells: dict[str, list[str]] = field(default_factory=dict)  # path -> provenance cell ids
    dependencies: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PackageMeta:
    version: str = "0.1.0"
    requires_python: str = ">=3.10"


def render(plan: ExportPlan, meta: PackageMeta = PackageMeta()) -> Rendered:
    out = Rendered()
    pkg = plan.package
    owners = {name: m.name for m in plan.modules for name in m.defines}
    src = f"src/{pkg}"
    for module in plan.modules:
        code = "\n\n\n".join(u.code.strip("\n") for u in module.units) + "\n"
        path = f"{src}/{module.name}.py"
        out.files[path] = _python(code, _available(plan, owners, module.name), pkg)
        out.cells[path] = _ids(c.id or f"#{c.number}" for c in module.cells)
    if plan.config is not None:
        path = f"{src}/config.py"
        out.files[path] = _python(plan.config.code, {}, pkg)
        out.cells[path] = _ids([plan.config.cell.id or f"#{plan.config.cell.number}"])
    init = _init(plan)
    out.files[f"{src}/__init__.py"] = init
    out.cells[f"{src}/__init__.py"] = _ids(
        c.id or f"#{c.number}" for m in plan.modules for c in m.cells
    )
    out.files[f"{src}/{PY_TYPED}"] = ""
    if plan.tests:
        code = "\n\n\n".join(t.code.strip("\n") for t in plan.tests) + "\n"
        available = _available(plan, owners, None)
        available["pytest"] = ImportSpec("pytest")
        available[pkg] = ImportSpec(pkg)
        path = f"tests/test_{pkg}.py"
        out.files[path] = _python(code, available, pkg)
        out.cells[path] = _ids(t.cell.id or f"#{t.cell.number}" for t in plan.tests)
    modules = [
        _imported_modules(body)
        for path, body in out.files.items()
        if path.startswith(src) and path.endswith(".py")
    ]
    out.dependencies = requirements({m for found in modules for m in found}, exclude=[pkg])
    out.files["pyproject.toml"] = _pyproject(plan, out.dependencies, meta)
    out.cells["pyproject.toml"] = out.cells[f"{src}/__init__.py"]
    out.files["README.md"] = plan.readme
    out.cells["README.md"] = []
    return out


def _ids(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _available(
    plan: ExportPlan, owners: Mapping[str, str], module: str | None
) -> dict[str, ImportSpec]:
    found = dict(plan.imports)
    for name, owner in owners.items():
        if owner != module:
            found[name] = ImportSpec(f"{plan.package}.{owner}", name)
    if plan.config is not None:
        found["Config"] = ImportSpec(f"{plan.package}.config", "Config")
    return found


def _python(code: str, available: Mapping[str, ImportSpec], package: str) -> str:
    tree = HoistImports(CodemodContext(), available).transform_module(cst.parse_module(code))
    return format_python(tree.code, package)


def _init(plan: ExportPlan) -> str:
    lines = [f'"""{_docstring(plan.title)}"""', ""]
    names: list[str] = []
    for module in plan.modules:
        if module.public:
            lines.append(f"from {plan.package}.{module.name} import {', '.join(module.public)}")
            names.extend(module.public)
    if plan.config is not None:
        lines.append(f"from {plan.package}.config import Config")
        names.append("Config")
    lines += ["", f"__all__ = {json.dumps(sorted(names))}"]
    return format_python("\n".join(lines) + "\n", plan.package)


def _docstring(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''").strip() or "Exported notebook."


def _imported_modules(code: str) -> set[str]:
    found: set[str] = set()
    for stmt in cst.parse_module(code).body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                found.update(cst.Module([]).code_for_node(a.name) for a in small.names)
            elif (
                isinstance(small, cst.ImportFrom)
                and not small.relative
                and small.module is not None
            ):
                found.add(cst.Module([]).code_for_node(small.module))
    return found


def _pyproject(plan: ExportPlan, dependencies: list[str], meta: PackageMeta) -> str:
    pkg = plan.package
    deps = "".join(f"    {json.dumps(d)},\n" for d in dependencies)
    return f"""[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = {json.dumps(pkg.replace("_", "-"))}
version = {json.dumps(meta.version)}
description = {json.dumps(plan.title)}
readme = "README.md"
requires-python = {json.dumps(meta.requires_python)}
dependencies = [
{deps}]

[project.optional-dependencies]
test = ["pytest>=8"]

[tool.hatch.build.targets.wheel]
packages = ["src/{pkg}"]

[tool.black]
target-version = ["py310"]

[tool.isort]
profile = "black"
known_first_party = ["{pkg}"]

[tool.mypy]
mypy_path = "src"
files = ["src", "tests"]
ignore_missing_imports = true

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
"""
