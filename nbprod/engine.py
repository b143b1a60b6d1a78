"""Notebook x rules -> findings, with configuration and suppression applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbprod.analysis import AnalyzedNotebook
from nbprod.config import Settings
from nbprod.findings import Finding
from nbprod.notebook import Notebook, NotebookError, load_notebook, notebook_from_data
from nbprod.results import FileResult, internal_error
from nbprod.selection import enabled_rules
from nbprod.suppression import Suppressions


def check_notebook(nb: Notebook, settings: Settings) -> FileResult:
    """Findings for one notebook; a bug in a rule or the analysis becomes this file's error."""
    if not nb.is_python:
        return FileResult(nb.filename, skipped=f"kernel language is '{nb.language}', not Python")
    try:
        analyzed = AnalyzedNotebook(nb)
        suppressions = Suppressions.of(nb)
        rules = enabled_rules(settings, settings.ignores_for(nb.filename))
    except (MemoryError, SystemError):
        raise  # the caller's memory guard reports it (see runner._serve for SystemError)
    except Exception as exc:  # one file's failure must not end the run
        return FileResult(nb.filename, error=internal_error("the analysis", exc))
    findings: list[Finding] = []
    for rule_cls in rules:
        try:
            for finding in rule_cls(settings).check(analyzed):
                if not suppressions.suppressed(finding, rule_cls):
                    findings.append(finding)
        except (MemoryError, SystemError):
            raise
        except Exception as exc:
            return FileResult(nb.filename, error=internal_error(f"rule {rule_cls.code}", exc))
    findings.sort(key=Finding.sort_key)
    return FileResult(nb.filename, findings)


def check_notebook_data(
    data: Any, filename: str, settings: Settings, fixes: bool = False
) -> FileResult:
    """Check notebook JSON already in memory (the frontend's, unsaved edits included);
    with ``fixes``, fill in the fixes too (see :func:`nbprod.fixes.apply.with_fixes`)."""
    try:
        nb = notebook_from_data(data, filename)
    except NotebookError as exc:
        return FileResult(filename, error=str(exc))
    except MemoryError:
        raise
    except Exception as exc:
        return FileResult(filename, error=internal_error("the notebook reader", exc))
    return _checked(nb, settings, fixes)


def check_file(path: Path, settings: Settings, display_name: str | None = None) -> FileResult:
    """The findings of one notebook file, each with its fix where one exists (computed
    here, in the worker, so that they are parallel and cached with the findings)."""
    name = display_name or str(path)
    try:
        nb = load_notebook(path, name)
    except NotebookError as exc:
        return FileResult(name, error=str(exc))
    except MemoryError:
        raise
    except Exception as exc:
        return FileResult(name, error=internal_error("the notebook reader", exc))
    return _checked(nb, settings, fixes=True)


def _checked(nb: Notebook, settings: Settings, fixes: bool) -> FileResult:
    result = check_notebook(nb, settings)
    if fixes and result.findings and nb.nbformat == 4:  # v3 cells are not where edits point
        with_fixes(nb, result, settings)
    return result


def with_fixes(nb: Notebook, result: FileResult, settings: Settings) -> None:
    """Fill the fixes of ``result``'s findings that ``fixable``/``unfixable`` allow; the
    unsafe ones only with ``unsafe_fixes``."""
    from nbprod.fixes.apply import attach  # a fix may need libcst: imported when one does
    from nbprod.fixes.registry import UNSAFE
    from nbprod.selection import fixable

    def wanted(finding: Finding) -> bool:
        unsafe = finding.code in UNSAFE
        return (settings.unsafe_fixes or not unsafe) and fixable(settings, finding.code)

    try:
        result.findings = attach(nb, result.findings, wanted)
    except (MemoryError, SystemError):
        raise
    except Exception as exc:  # a bug in a fix is reported like a bug in a rule
        result.error = internal_error("a fix", exc)
        result.findings = []
