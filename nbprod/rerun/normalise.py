"""Output normalisation for ``nbprod rerun``: what is masked before outputs are compared, and why.

Two runs of the same correct notebook never print byte-identical text: addresses,
timings, progress bars, warnings, dates and temporary paths change on every run. Each
:class:`Mask` below names one such kind of noise, with an example and the reason, and
``docs/rerun.md`` shows the same table (a test keeps the two in step). Numbers are not
masked: :mod:`nbprod.rerun.compare` compares them with a relative tolerance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Mask:
    name: str
    pattern: re.Pattern[str]
    replacement: str
    example: str  # text as a run prints it
    masked: str  # what the example becomes
    why: str


def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


_UNITS = r"(?:ns|µs|μs|us|ms|s|sec|secs|seconds?|mins?|minutes?)"
_NUMBER = r"\d+(?:[.,]\d+)?"

# Applied in this order, to each line after ANSI colours and carriage returns are resolved.
MASKS: tuple[Mask, ...] = (
    Mask(
        "progress bars",
        _re(
            r"^.*(?:\d+%\|.*\||\[[=>.\-]{4,}\]|━{3,}|█{2,}|[#]{8,}\s*\|" r"|\d+/\d+ \[\d+:\d+<).*$"
        ),
        "",
        "100%|██████████| 50/50 [00:02<00:00, 24.1it/s]",
        "",
        "tqdm, Keras and pip redraw them with timings and rates; only their final state is"
        " printed, and it depends on the machine's speed",
    ),
    Mask(
        "warnings",
        _re(r"^(?:.*:\d+: )?[A-Za-z]*Warning: .*$|^\s*warnings\.warn\(.*$"),
        "",
        "/lib/sklearn/base.py:12: FutureWarning: `x` is deprecated",
        "",
        "library versions differ between the machine that saved the notebook and the one"
        " that re-runs it; a warning is not a result",
    ),
    Mask(
        "%timeit results",
        _re(r"^.* per loop \(mean ± std\. dev\. of .*\)$"),
        "<timeit>",
        "12.3 ms ± 1.2 ms per loop (mean ± std. dev. of 7 runs, 100 loops each)",
        "<timeit>",
        "timings and the number of loops depend on the machine and its load",
    ),
    Mask(
        "memory addresses",
        _re(r"\b0x[0-9a-fA-F]{4,16}\b"),
        "0x…",
        "<Model object at 0x7f3a2c1d9e50>",
        "<Model object at 0x…>",
        "objects live at a different address in every process",
    ),
    Mask(
        "dates and times",
        _re(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?)?\b"
            r"|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov"
            r"|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}\b"
            r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
        ),
        "<datetime>",
        "run started 2024-05-01 14:03:27.123456",
        "run started <datetime>",
        "`datetime.now()`, log lines and file listings show when the notebook ran;"
        " a data change that only moves a date is therefore not reported",
    ),
    Mask(
        "durations and rates",
        _re(
            rf"(?<![\w.]){_NUMBER}\s?(?:it/s|s/it|{_UNITS}/(?:step|it|epoch|sample)|{_UNITS})"
            r"(?![\w/])"
        ),
        "<duration>",
        "Wall time: 1.32 s; 3/3 - 0s 12ms/step",
        "Wall time: <duration>; 3/3 - <duration> <duration>",
        "`%time`, training logs and timers measure the machine, not the notebook",
    ),
    Mask(
        "temporary paths",
        _re(
            r"(?:/private)?/var/folders/[^\s'\"]+|/(?:var/)?tmp/[^\s'\"]+"
            r"|[A-Za-z]:\\[^\s'\"]*\\(?:Temp|tmp)\\[^\s'\"]+",
            re.IGNORECASE,
        ),
        "<tmp>",
        "saved to /tmp/tmpk2x9_a1b/model.pkl",
        "saved to <tmp>",
        "`tempfile` names are random and the temporary folder differs between machines",
    ),
    Mask(
        "home folders",
        _re(r"(?:/home|/Users)/[^/\s'\"]+|[A-Za-z]:\\Users\\[^\\\s'\"]+", re.IGNORECASE),
        "~",
        "reading /home/alice/project/data.csv",
        "reading ~/project/data.csv",
        "the notebook was saved on another account or machine (a CI runner's home differs)",
    ),
    Mask(
        "UUIDs",
        _re(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
        "<uuid>",
        "run id 3f2b8c1e-7d4a-4f0e-9b1c-2a6d8e9f0c3b",
        "run id <uuid>",
        "experiment trackers and `uuid4()` make a new one per run",
    ),
)

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
_BACKSPACE = re.compile(r"[^\n]\x08")
_SPACES = re.compile(r"[ \t\f\v]+")


def terminal_text(text: str) -> str:
    """What a terminal shows: ANSI colours removed, ``\\r`` and backspaces applied."""
    text = _ANSI.sub("", text.replace("\r\n", "\n"))
    while "\x08" in text:
        reduced = _BACKSPACE.sub("", text, count=1_000)
        if reduced == text:
            text = text.replace("\x08", "")
            break
        text = reduced
    if "\r" in text:
        text = "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))
    return text


def normalise_line(line: str) -> str:
    for mask in MASKS:
        if mask.replacement == "" and mask.pattern.search(line):
            return ""
        line = mask.pattern.sub(mask.replacement, line)
    return _SPACES.sub(" ", line).strip()


def normalise(text: str) -> list[str]:
    """``text`` as the lines that are compared: noise masked, runs of spaces collapsed,
    blank lines (and lines that were all noise) dropped."""
    lines = (normalise_line(line) for line in terminal_text(text).split("\n"))
    return [line for line in lines if line]


def masks_markdown() -> str:
    """The table of masks, as docs/rerun.md shows it."""
    rows = ["| what | example | becomes | why |", "|---|---|---|---|"]
    for mask in MASKS:
        shown = f"`{mask.masked}`" if mask.masked else "(line dropped)"
        example = mask.example.replace("|", "\\|")
        shown = shown.replace("|", "\\|")
        rows.append(f"| {mask.name} | `{example}` | {shown} | {mask.why} |")
    return "\n".join(rows) + "\n"
