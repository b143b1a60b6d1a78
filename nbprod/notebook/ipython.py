"""Mask IPython syntax so a cell parses as Python with positions unchanged.

Each magic, shell or help line becomes ``pass`` (or the code it wraps, for
``%time``-like magics) at the same indentation, so line numbers never move; the
column shift of unwrapped code is recorded so findings point at the user's text.
A one-line cell such as ``pip install pandas`` is a magic too, as IPython's automagic
makes it (see :func:`_automagic`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

MagicKind = Literal["line", "cell", "shell", "help"]

# Magics whose argument is Python code run in the user's namespace.
_CODE_LINE_MAGICS = frozenset({"time", "timeit", "prun"})
_CODE_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "memit"})
# Options of %timeit / %prun that take a value, so the value is not mistaken for code.
_VALUED_OPTIONS = frozenset({"-n", "-r", "-s", "-l", "-T", "-D", "-m"})

_LINE_MAGIC = re.compile(r"(?P<indent>[ \t]*)(?P<sigil>%{1,2}|!{1,2})(?P<body>.*)")
_ASSIGN_MAGIC = re.compile(
    r"(?P<lhs>[ \t]*[A-Za-z_][\w.\[\]'\", \t()*]*?[ \t]*=[ \t]*)(?P<sigil>%{1,2}|!{1,2})(?P<body>.*)"
)
_HELP = re.compile(r"(?P<indent>[ \t]*)(\?{1,2}[\w.]+|[\w.()\[\]]+\?{1,2})[ \t]*")

# IPython's line magics (and aliases, which are magics too) in a Jupyter kernel; with
# automagic on (the default) a cell of one line calls them without the `%`.
AUTOMAGICS = frozenset(
    """alias alias_magic autoawait autocall automagic bookmark cat cd clear code_wrap colors
    conda config connect_info cp debug dhist dirs doctest_mode ed edit env gui hist history
    killbgscripts ldir less lf lk ll load load_ext loadpy logoff logon logstart logstate
    logstop ls lsmagic lx macro magic mamba man matplotlib micromamba mkdir more mv notebook
    page pastebin pdb pdef pdoc pfile pinfo pinfo2 pip popd pprint precision prun psearch
    psource pushd pwd pycat pylab qtconsole quickref recall rehashx reload_ext rep rerun
    reset reset_selective rm rmdir run save sc set_env store sx system tb time timeit
    unalias unload_ext uv who who_ls whos xdel xmode""".split()
)
_AUTOMAGIC = re.compile(r"(?P<indent>[ \t]*)(?P<name>[A-Za-z_]\w*)(?P<rest>(?:[ \t].*)?)")


@dataclass(frozen=True, slots=True)
class Magic:
    """An IPython construct found in a cell, located in the user's text (1-based)."""

    kind: MagicKind
    name: str  # magic name without sigil; "!" for shell lines
    args: str
    line: int
    column: int
    target: str | None = None  # for `x = !cmd` / `%%capture x`: the bound name


@dataclass(slots=True)
class MaskedSource:
    text: str
    magics: list[Magic] = field(default_factory=list)
    # line -> (first masked column, shift to add): maps masked columns back to the cell.
    shifts: dict[int, tuple[int, int]] = field(default_factory=dict)
    # False for cells whose magic makes them not Python (%%bash, %%writefile, ...).
    python: bool = True

    def column(self, line: int, col: int) -> int:
        shift = self.shifts.get(line)
        if shift is not None and col >= shift[0]:
            return col + shift[1]
        return col


def mask(source: str) -> MaskedSource:
    lines = source.split("\n")
    out = MaskedSource(text=source)
    _dedent(lines, out)
    if _automagic(lines, out):
        out.text = "\n".join(lines)
        return out
    # A cell magic must be the first line; IPython drops blank lines before it, but not
    # comments (after a comment, `%%sql` is a line magic and the query a syntax error).
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is not None and lines[first].startswith("%%"):
        name, _, args = lines[first][2:].partition(" ")
        target = _capture_target(args) if name == "capture" else None
        out.magics.append(Magic("cell", name, args.strip(), first + 1, 1, target))
        if name not in _CODE_CELL_MAGICS:
            out.python = False
            return out
        lines[first] = ""
    continued = False
    for i in range(len(lines)):
        line = lines[i]
        if continued:  # continuation of a masked magic line ending in a backslash
            continued = line.endswith("\\")
            lines[i] = ""
            continue
        masked = _mask_line(_joined(lines, i) if line.endswith("\\") else line, i + 1, out)
        if masked is not None:
            continued = line.endswith("\\")
            lines[i] = masked
    out.text = "\n".join(lines)
    return out


def _automagic(lines: list[str], out: MaskedSource) -> bool:
    """Mask a one-line cell that IPython runs as a magic without its `%`.

    IPython applies automagic only to a cell of a single line (after dropping blank
    lines) whose first word names a line magic. ``mask`` runs only on cells Python cannot
    parse, so a line that is Python (``ls = 1``, or ``ls -l`` with a variable ``ls``)
    never gets here.
    """
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) != 1:
        return False
    index = content[0]
    m = _AUTOMAGIC.fullmatch(lines[index].rstrip())
    if m is None or m["name"] not in AUTOMAGICS:
        return False
    column = len(m["indent"])
    out.magics.append(Magic("line", m["name"], m["rest"].strip(), index + 1, column + 1))
    lines[index] = m["indent"] + "pass"
    return True


def _joined(lines: list[str], start: int) -> str:
    """The logical line starting at ``start``, backslash continuations joined as IPython does."""
    end = start
    while lines[end].endswith("\\") and end + 1 < len(lines):
        end += 1
    return " ".join([p.rstrip()[:-1] for p in lines[start:end]] + [lines[end].rstrip()])


def _dedent(lines: list[str], out: MaskedSource) -> None:
    """IPython strips the first line's indentation from every line; do the same."""
    first = next((ln for ln in lines if ln.strip()), "")
    indent = first[: len(first) - len(first.lstrip())]
    if not indent:
        return
    for i, line in enumerate(lines):
        if line.startswith(indent):
            lines[i] = line[len(indent) :]
            out.shifts[i + 1] = (0, len(indent))


def _mask_line(line: str, lineno: int, out: MaskedSource) -> str | None:
    stripped = line.lstrip()
    if not stripped or (
        stripped[0] not in "%!?" and not stripped.endswith("?") and "=" not in line
    ):
        return None
    m = _LINE_MAGIC.fullmatch(line)
    if m is not None:
        indent = m["indent"]
        return _rewrite(indent, m["sigil"], m["body"], lineno, len(indent), out, target=None)
    m = _ASSIGN_MAGIC.fullmatch(line)
    if m is not None:
        lhs = m["lhs"]
        target = lhs.split("=")[0].strip()
        return _rewrite(lhs, m["sigil"], m["body"], lineno, len(lhs), out, target=target)
    h = _HELP.fullmatch(line)
    if h is not None:
        out.magics.append(Magic("help", "?", stripped.strip("?"), lineno, len(h["indent"]) + 1))
        return h["indent"] + "pass"
    return None


def _rewrite(
    prefix: str, sigil: str, body: str, lineno: int, col: int, out: MaskedSource, target: str | None
) -> str:
    """Replace a magic after ``prefix`` by the code it wraps, ``None`` or ``pass``."""
    filler = "None" if target is not None else "pass"
    if sigil.startswith("!"):
        out.magics.append(Magic("shell", "!", body.strip(), lineno, col + 1, target))
        return prefix + filler
    name, _, args = body.partition(" ")
    out.magics.append(Magic("line", name, args.strip(), lineno, col + 1, target))
    if name in _CODE_LINE_MAGICS and sigil == "%":
        code = _strip_options(args) if name != "time" else args.lstrip()
        if code.strip():
            start = len(prefix + sigil + body) - len(code)
            base = out.shifts.get(lineno, (0, 0))[1]
            out.shifts[lineno] = (len(prefix), start - len(prefix) + base)
            return prefix + code
    return prefix + filler


def _strip_options(args: str) -> str:
    rest = args.lstrip()
    while rest.startswith("-"):
        option, _, rest = rest.partition(" ")
        rest = rest.lstrip()
        if option in _VALUED_OPTIONS:
            _, _, rest = rest.partition(" ")
            rest = rest.lstrip()
    return rest


def _capture_target(args: str) -> str | None:
    names = [a for a in args.split() if not a.startswith("-")]
    return names[-1] if names and names[-1].isidentifier() else None
