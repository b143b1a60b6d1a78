"""Every relative link in the project's Markdown points at a file that is in the repository."""

from __future__ import annotations

import re
import subprocess

from .conftest import ROOT

_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
_FENCE = re.compile(r"^```.*?^```", re.M | re.S)  # code blocks: snippets for elsewhere


def test_relative_links_in_markdown_resolve() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    broken = []
    for name in tracked:
        page = ROOT / name
        if not page.is_file():
            continue
        for target in _LINK.findall(_FENCE.sub("", page.read_text(encoding="utf-8"))):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{name}: {target}")
    assert broken == []
