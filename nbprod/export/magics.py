"""What each IPython construct becomes in exported code: kept, dropped, rewritten or refused.

Masking (``nbprod.notebook.ipython``) has already replaced every magic line by
``pass`` / ``x = None`` or by the code it wraps; this decides, per line, what the
``StripMagics`` codemod puts there instead. Nothing is copied raw.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

from nbprod.export.model import ExportRefused
from nbprod.notebook.ipython import Magic

# Magics whose wrapped code is the cell's real work: masking already unwrapped it.
_KEEP_INNER_LINE = frozenset({"time", "prun"})
_KEEP_INNER_CELL = frozenset({"time", "capture", "prun"})
# Display, environment and session magics: no effect on what the code computes.
_DROP_LINE = frozenset(
    {
        "matplotlib", "config", "load_ext", "reload_ext", "unload_ext", "autoreload",
        "aimport", "pip", "conda", "who", "whos", "who_ls", "lsmagic", "magic", "history",
        "precision", "pprint", "xmode", "pdb", "debug", "timeit", "notebook", "qtconsole",
        "pwd", "reset", "reset_selective", "colors", "autocall", "automagic", "doctest_mode",
        "page", "pinfo", "pinfo2", "psearch", "pdoc", "pdef", "psource", "pfile", "tb",
        "watermark", "memit", "mprun", "lprun", "rehashx", "alias_magic", "ls", "ll", "clear",
    }
)  # fmt: skip
_SHELL_SYNTAX = set("|&;<>()$`*?[]{}~\\#\n")
_INSTALLERS = ("pip", "pip3", "conda", "mamba", "apt", "apt-get")


@dataclass(slots=True)
class MagicPlan:
    """Replacement per masked line: ``None`` drops the statement, a string replaces it."""

    actions: dict[int, str | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    needs_subprocess: bool = False


def plan_magics(magics: Iterable[Magic]) -> MagicPlan:
    plan = MagicPlan()
    for magic in magics:
        _plan_one(magic, plan)
    return plan


def _plan_one(magic: Magic, plan: MagicPlan) -> None:
    line = magic.line
    if magic.kind == "help":
        plan.actions[line] = None
    elif magic.kind == "cell":
        if magic.name not in _KEEP_INNER_CELL:
            raise ExportRefused(
                f"%%{magic.name} cell cannot be exported: it is not Python run in the kernel", line
            )
        if magic.target is not None:
            plan.notes.append(f"line {line}: the output captured in '{magic.target}' is not kept")
    elif magic.kind == "line":
        if magic.name in _KEEP_INNER_LINE:
            return
        if magic.name not in _DROP_LINE:
            raise ExportRefused(
                f"%{magic.name} has no equivalent in a Python package; rewrite it in Python", line
            )
        if magic.target is not None:
            raise ExportRefused(
                f"'{magic.target} = %{magic.name}' binds a magic's result; compute it in Python",
                line,
            )
        plan.actions[line] = None
    else:
        _plan_shell(magic, plan)


def _plan_shell(magic: Magic, plan: MagicPlan) -> None:
    command = magic.args.strip()
    line = magic.line
    if command.split(" ", 1)[0] in _INSTALLERS and magic.target is None:
        plan.actions[line] = None  # dependencies come from the imports
        plan.notes.append(
            f"line {line}: dropped '!{command}' (dependencies are inferred from imports)"
        )
        return
    if not command or _SHELL_SYNTAX & set(command):
        raise ExportRefused(
            f"shell command '!{command}' uses shell syntax (pipes, redirection, variables or "
            "globs); rewrite it with subprocess or pathlib",
            line,
        )
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ExportRefused(f"shell command '!{command}' cannot be split: {exc}", line) from None
    args = "[" + ", ".join(_quote(a) for a in argv) + "]"
    plan.needs_subprocess = True
    if magic.target is None:
        plan.actions[line] = f"subprocess.run({args}, check=True)"
    else:
        plan.actions[line] = (
            f"{magic.target} = subprocess.run({args}, check=True, capture_output=True, "
            "text=True).stdout.splitlines()"
        )


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
