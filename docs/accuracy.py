"""Measure how often each nbprod rule is right on real notebooks: writes docs/accuracy.md.

    .venv/bin/python docs/accuracy.py [--shared DIR] [--seed N] [--sample N]

Runs ``python -m nbprod check --format json --exit-zero --no-cache`` (default settings,
plus the opt-in rules, whose findings are counted apart) over the two corpora of public
notebooks in ``../shared`` (``corpus/notebooks`` and ``corpus-heavy/notebooks``), counts
the findings per rule and corpus, draws a seeded random sample of up to ``--sample``
findings per rule, and renders ``docs/accuracy.md`` from the judgments recorded by hand
in ``docs/accuracy-judgments.json``.

Judgments are keyed by what stays put across runs: corpus, notebook file name, rule
code, cell (its id, or its index when the notebook has no cell ids), line and message.
A re-run reuses every judgment whose finding is still sampled and adds the newly
sampled findings to the file with ``"verdict": null``: read each one in its notebook,
set ``verdict`` to true or false, write a one-line ``reason`` (and, for a false alarm,
a short ``pattern`` shared by the false alarms of the same kind), and run the script
again. Judgments of findings that are no longer sampled are kept (``in_sample``:
false), so a finding that comes back keeps its judgment.

The sample is stable: each finding is ranked by a hash of the seed and its key, and the
lowest ranks are taken, so a finding that stays keeps its place and a change to a rule
only adds or removes the findings it adds or removes.

Without the corpora (a clone has no ``../shared``) it prints why and exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
JUDGMENTS = DOCS / "accuracy-judgments.json"
REPORT = DOCS / "accuracy.md"
CORPORA = ("corpus", "corpus-heavy")
SEED = 20261129
SAMPLE = 20
GOAL_PRECISION = 0.90
GOAL_MEDIAN = 5
REPLAY_CODE = re.compile(r"NBP11\d$")

Finding = dict[str, Any]
Judgment = dict[str, Any]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("NBPROD_SHARED", ROOT.parent / "shared")),
        help="folder holding corpus/ and corpus-heavy/ (default: ../shared beside the checkout)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"sampling seed (default {SEED})")
    parser.add_argument(
        "--sample", type=int, default=SAMPLE, help=f"findings sampled per rule (default {SAMPLE})"
    )
    args = parser.parse_args(argv)

    dirs = {name: args.shared / name / "notebooks" for name in CORPORA}
    missing = [str(d) for d in dirs.values() if not d.is_dir()]
    if missing:
        print(
            f"accuracy.py: skipped: the corpora are not here ({', '.join(missing)}); they sit "
            "beside the developers' checkout as ../shared. docs/accuracy.md is unchanged."
        )
        return 0

    rules = nbprod_rules()
    opt_in = [r["code"] for r in rules if not r["default_enabled"]]
    command = [sys.executable, "-m", "nbprod", "check", "--format", "json", "--exit-zero"]
    command += ["--no-cache"]
    if opt_in:
        command += ["--extend-select", ",".join(opt_in)]
    command += [str(d) for d in dirs.values()]
    started = dt.datetime.now(dt.timezone.utc)
    print("running:", " ".join(display_command(command)), file=sys.stderr)
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if run.returncode != 0 or not run.stdout.strip():
        print(run.stderr, file=sys.stderr)
        print(f"accuracy.py: nbprod check failed (exit {run.returncode})", file=sys.stderr)
        return 1
    report = json.loads(run.stdout)

    notebooks = {name: sorted(p.name for p in d.glob("*.ipynb")) for name, d in dirs.items()}
    findings: list[Finding] = []
    for f in report["findings"]:
        path = Path(f["filename"])
        corpus = next((n for n, d in dirs.items() if path.parent == d), None)
        if corpus is None:
            raise SystemExit(f"accuracy.py: finding outside the corpora: {path}")
        f = dict(f, corpus=corpus, notebook=path.name)
        f["key"] = finding_key(f)
        findings.append(f)

    sample = draw_sample(findings, args.seed, args.sample)
    criteria = load_section("criteria")
    remaining = load_section("remaining")
    judgments = update_judgments(load_judgments(), sample, args.seed)
    save_judgments(judgments, args.seed, criteria, remaining)
    text = render(
        rules=rules,
        findings=findings,
        sample=sample,
        judgments=judgments,
        criteria=criteria,
        remaining=remaining,
        notebooks=notebooks,
        report=report,
        command=display_command(command),
        started=started,
        seed=args.seed,
        sample_size=args.sample,
    )
    REPORT.write_text(text, encoding="utf-8")

    unjudged = [f for fs in sample.values() for f in fs if verdict_of(judgments, f) is None]
    print(f"wrote {REPORT.relative_to(ROOT)} and {JUDGMENTS.relative_to(ROOT)}: ", end="")
    print(f"{len(findings)} findings, {sum(map(len, sample.values()))} sampled, ", end="")
    print(f"{len(unjudged)} unjudged")
    for f in unjudged:
        print(
            f"  unjudged: {f['code']} {f['corpus']}/{f['notebook']} cell {f['cell_index']}"
            f" line {f['line']}: {f['message']}"
        )
    return 0


def nbprod_rules() -> list[dict[str, Any]]:
    """The rule catalog, from the CLI; ``default_enabled`` from each rule's documentation."""
    out = subprocess.run(
        [sys.executable, "-m", "nbprod", "rules", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rules: list[dict[str, Any]] = json.loads(out)
    # the replay rules (NBP110-NBP119) report what `nbprod rerun` sees, never `nbprod check`
    rules = [r for r in rules if not REPLAY_CODE.match(r["code"]) and r.get("kind") != "replay"]
    for r in rules:
        if "default_enabled" not in r:
            r["default_enabled"] = "off by default" not in r.get("docs", "").lower()
    return rules


def display_command(command: list[str]) -> list[str]:
    """The command as typed from the repository's root (relative paths where they are shorter)."""
    shown = []
    for part in command:
        if os.path.isabs(part):
            rel = os.path.relpath(part, ROOT)
            part = rel if len(rel) < len(part) else part
        shown.append(part)
    return shown


def cell_ref(f: Finding) -> str:
    return f"id:{f['cell_id']}" if f.get("cell_id") else f"#{f['cell_index']}"


def finding_key(f: Finding) -> str:
    return json.dumps(
        [f["corpus"], f["notebook"], f["code"], cell_ref(f), f["line"], f["message"]],
        ensure_ascii=False,
    )


def rank(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}\0{key}".encode()).hexdigest()


def draw_sample(findings: list[Finding], seed: int, size: int) -> dict[str, list[Finding]]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    seen: set[str] = set()
    for f in findings:
        if f["key"] not in seen:  # the same finding twice (never expected) is judged once
            seen.add(f["key"])
            by_rule[f["code"]].append(f)
    return {
        code: sorted(fs, key=lambda f: rank(seed, f["key"]))[:size]
        for code, fs in sorted(by_rule.items())
    }


def load_section(name: str) -> dict[str, str]:
    """A per-rule text kept in the judgments file: ``criteria`` (the line drawn between
    true and false when judging) or ``remaining`` (why a rule's false alarms stay)."""
    if not JUDGMENTS.exists():
        return {}
    section: dict[str, str] = json.loads(JUDGMENTS.read_text(encoding="utf-8")).get(name, {})
    return section


def load_judgments() -> dict[str, Judgment]:
    if not JUDGMENTS.exists():
        return {}
    data = json.loads(JUDGMENTS.read_text(encoding="utf-8"))
    out = {}
    for j in data["judgments"]:
        key = json.dumps(
            [j["corpus"], j["notebook"], j["code"], j["cell"], j["line"], j["message"]],
            ensure_ascii=False,
        )
        out[key] = j
    return out


def update_judgments(
    judgments: dict[str, Judgment], sample: dict[str, list[Finding]], seed: int
) -> dict[str, Judgment]:
    sampled = {f["key"]: f for fs in sample.values() for f in fs}
    for j in judgments.values():
        j["in_sample"] = False
    for key, f in sampled.items():
        found = judgments.get(key)
        if found is None:
            found = judgments[key] = {
                "code": f["code"],
                "corpus": f["corpus"],
                "notebook": f["notebook"],
                "cell": cell_ref(f),
                "line": f["line"],
                "message": f["message"],
                "verdict": None,
                "reason": "",
                "pattern": "",
            }
        found["cell_index"] = f["cell_index"]
        found["in_sample"] = True
    return judgments


def save_judgments(
    judgments: dict[str, Judgment],
    seed: int,
    criteria: dict[str, str],
    remaining: dict[str, str],
) -> None:
    order = [
        "code",
        "corpus",
        "notebook",
        "cell",
        "cell_index",
        "line",
        "message",
        "in_sample",
        "verdict",
        "reason",
        "pattern",
    ]
    rows = sorted(
        judgments.values(),
        key=lambda j: (
            j["code"],
            j["corpus"],
            j["notebook"],
            j.get("cell_index") or 0,
            j["line"] or 0,
            j["message"],
        ),
    )
    data = {
        "about": (
            "Hand judgments of sampled nbprod findings on ../shared/corpus and "
            "../shared/corpus-heavy, read in the notebook: verdict true = a real problem worth "
            "the user's attention per the rule's documentation, false = a false alarm (or "
            "technically right but useless); pattern names the kind of false alarm. "
            "Regenerate docs/accuracy.md with: .venv/bin/python docs/accuracy.py"
        ),
        "seed": seed,
        "criteria": dict(sorted(criteria.items())),
        "remaining": dict(sorted(remaining.items())),
        "judgments": [{k: j.get(k) for k in order} for j in rows],
    }
    JUDGMENTS.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def verdict_of(judgments: dict[str, Judgment], f: Finding) -> bool | None:
    j = judgments.get(f["key"])
    return None if j is None else j.get("verdict")


def git_state() -> str:
    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False)
        return r.stdout.rstrip() if r.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD").strip()
    if not head:
        return "nbprod (not a git checkout)"
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "nbprod").splitlines()]
    state = f"commit `{head}`"
    if dirty:
        state += f" with uncommitted changes to {', '.join(f'`{d}`' for d in dirty)}"
    return state


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f}%" if d else "–"


def md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(
    *,
    rules: list[dict[str, Any]],
    findings: list[Finding],
    sample: dict[str, list[Finding]],
    judgments: dict[str, Judgment],
    criteria: dict[str, str],
    remaining: dict[str, str],
    notebooks: dict[str, list[str]],
    report: dict[str, Any],
    command: list[str],
    started: dt.datetime,
    seed: int,
    sample_size: int,
) -> str:
    on = {r["code"] for r in rules if r["default_enabled"]}
    counts: Counter[tuple[str, str]] = Counter((f["code"], f["corpus"]) for f in findings)
    per_nb: dict[str, Counter[str]] = {c: Counter() for c in CORPORA}
    for f in findings:
        if f["code"] in on:
            per_nb[f["corpus"]][f["notebook"]] += 1

    def median(corpora: tuple[str, ...]) -> float:
        values = [per_nb[c][nb] for c in corpora for nb in notebooks[c]]
        return statistics.median(values) if values else 0

    def total(corpora: tuple[str, ...]) -> int:
        return sum(per_nb[c][nb] for c in corpora for nb in notebooks[c])

    n_nb = {c: len(notebooks[c]) for c in CORPORA}
    lines: list[str] = []
    w = lines.append
    w("# nbprod's precision on real notebooks")
    w("")
    w("<!-- generated by docs/accuracy.py from docs/accuracy-judgments.json: edit those -->")
    w("")
    w(
        f"Measured {started:%Y-%m-%d %H:%M} UTC, nbprod {report.get('version', '?')} at "
        f"{git_state()}, on {n_nb['corpus'] + n_nb['corpus-heavy']} public notebooks nobody "
        f"here wrote: `../shared/corpus` ({n_nb['corpus']}: ML design patterns, Keras book, "
        f"pandas exercises, Azure ML) and `../shared/corpus-heavy` ({n_nb['corpus-heavy']}: "
        "PyTorch courses with their outputs). The findings come from"
    )
    w("")
    w("```console")
    w(" ".join(command))
    w("```")
    w("")
    w(
        "with default settings (no `pyproject.toml` applies to the corpora); the opt-in rules "
        "are selected too, and counted apart (the replay rules NBP110-NBP112 of `nbprod rerun` "
        "are not measured here). Up to "
        f"{sample_size} findings per rule, drawn at random across both corpora (seed {seed}), "
        "were judged by reading each one in its notebook, with the cells around it when the "
        "rule looks across cells, as an ML engineer would: *true* when it is a real problem "
        "worth the user's attention as the rule's documentation describes it, *false* when "
        "it is wrong, or right but useless. Every judgment and its reason is in "
        "[accuracy-judgments.json](accuracy-judgments.json). Regenerate (and list the sampled "
        "findings still to judge) with `.venv/bin/python docs/accuracy.py`. This measures "
        "precision; what the ML rules miss (recall, read on 20 training notebooks) is in "
        "[recall.md](recall.md)."
    )
    w("")
    errors = report.get("errors") or []
    if errors:
        w(
            f"{len(errors)} files could not be checked: "
            + "; ".join(md(str(e)) for e in errors[:5])
            + ("; ..." if len(errors) > 5 else "")
        )
        w("")

    all_c = CORPORA
    w("## Volume")
    w("")
    w("| | notebooks | findings (default rules) | median per notebook | mean per notebook |")
    w("|---|---|---|---|---|")
    for label, cs in (
        ("corpus", ("corpus",)),
        ("corpus-heavy", ("corpus-heavy",)),
        ("both", all_c),
    ):
        nb = sum(n_nb[c] for c in cs)
        w(
            f"| {label} | {nb} | {total(cs)} | {median(cs):g} | "
            f"{total(cs) / nb if nb else 0:.1f} |"
        )
    w("")
    goal = "meets" if median(all_c) <= GOAL_MEDIAN else "misses"
    w(
        f"The median notebook gets {median(all_c):g} findings with default settings: that "
        f"{goal} the goal of at most {GOAL_MEDIAN} (issue 12)."
    )
    w("")

    w("## Precision per rule")
    w("")
    w(
        "| rule | default | corpus | corpus-heavy | sampled | judged true / judged | precision | "
        "false alarms |"
    )
    w("|---|---|---|---|---|---|---|---|")
    below: list[str] = []
    unjudged: list[Finding] = []
    for r in rules:
        code = r["code"]
        fs = sample.get(code, [])
        verdicts = [verdict_of(judgments, f) for f in fs]
        judged = [v for v in verdicts if v is not None]
        true = sum(1 for v in judged if v)
        unjudged += [f for f, v in zip(fs, verdicts) if v is None]
        patterns = false_patterns(judgments, fs)
        notes = "; ".join(f"{md(p)} ×{len(js)}" for p, js in patterns) if patterns else ""
        prec = pct(true, len(judged))
        if judged and true / len(judged) < GOAL_PRECISION:
            below.append(code)
            prec = f"**{prec}**"
        default = "on" if r["default_enabled"] else "off (opt-in)"
        missing = len(fs) - len(judged)
        judged_txt = f"{true} / {len(judged)}" if judged else "–"
        if missing:
            judged_txt += f" ({missing} unjudged)"
        w(
            f"| {code} {r['name']} | {default} | {counts[(code, 'corpus')]} | "
            f"{counts[(code, 'corpus-heavy')]} | {len(fs)} | {judged_txt} | {prec} | {notes} |"
        )
    w("")
    judged_all: list[bool] = [
        v for fs in sample.values() for f in fs if (v := verdict_of(judgments, f)) is not None
    ]
    w(
        f"Over all rules {sum(judged_all)} of {len(judged_all)} judged findings are true "
        f"({pct(sum(judged_all), len(judged_all))}; each rule weighs by its sample, not its "
        "volume). With 20 findings a rule's precision is known to about ±10 points: 18/20 and "
        "20/20 are not far apart; a rule with fewer findings has them all judged."
    )
    w("")
    if unjudged:
        w("### Not judged yet")
        w("")
        for f in unjudged:
            w(
                f"- {f['code']} `{f['corpus']}/{f['notebook']}` cell {f['cell_index']} line "
                f"{f['line']}: {md(f['message'])}"
            )
        w("")

    if criteria:
        w("## How the findings were judged")
        w("")
        w(
            "Where a rule's documentation leaves room, this is where the line was drawn, so that "
            "a re-judge (or a new sample) is consistent:"
        )
        w("")
        for r in rules:
            if r["code"] in criteria:
                w(f"- **{r['code']}**: {md(criteria[r['code']])}")
        w("")

    w("## Patterns of false alarms")
    w("")
    if not below:
        w(f"Every rule with judged findings is at {GOAL_PRECISION:.0%} precision or above.")
        w("")
    else:
        w(
            f"For each rule below {GOAL_PRECISION:.0%} judged precision: each kind of false alarm, "
            "how many of the sample it accounts for, and one example (notebook, cell index "
            "counted from 0 over all cells, line)."
        )
        w("")
    for code in below:
        r = next(r for r in rules if r["code"] == code)
        fs = sample.get(code, [])
        decided = [v for v in (verdict_of(judgments, f) for f in fs) if v is not None]
        w(f"### {code} {r['name']} ({sum(decided)}/{len(decided)})")
        w("")
        for pattern, js in false_patterns(judgments, fs):
            ex = js[0]
            w(
                f"- **{md(pattern)}** (×{len(js)}). Example: `{ex['corpus']}/{ex['notebook']}` "
                f"cell {ex['cell_index']}, line {ex['line']}: {md(ex['reason'])}"
            )
        if code in remaining:
            w("")
            w(f"Why they stay: {md(remaining[code])}")
        w("")
    return "\n".join(lines).rstrip() + "\n"


def false_patterns(
    judgments: dict[str, Judgment], fs: list[Finding]
) -> list[tuple[str, list[Judgment]]]:
    """The false alarms among ``fs`` grouped by pattern, the most frequent first."""
    groups: dict[str, list[Judgment]] = defaultdict(list)
    for f in fs:
        j = judgments.get(f["key"])
        if j is not None and j.get("verdict") is False:
            groups[j.get("pattern") or j.get("reason") or "?"].append(j)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


if __name__ == "__main__":
    sys.exit(main())
