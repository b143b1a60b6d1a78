"""The seed fix's text edit (stdlib ``ast``, no libcst), before and after."""

from __future__ import annotations

import pytest

from nbprod.fixes.text import position
from nbprod.fixes.unseeded_randomness import add_seed

# (before, the call the finding points at, the keyword, after)
CASES = [
    (
        "model = RandomForestClassifier(n_estimators=N)\n",
        "RandomForestClassifier(n_estimators=N)",
        "random_state",
        "model = RandomForestClassifier(n_estimators=N, random_state=SEED)\n",
    ),
    ("KMeans()\n", "KMeans()", "random_state", "KMeans(random_state=SEED)\n"),
    (
        "cv = KFold(5, shuffle=True, random_state=None)\n",
        "KFold(5, shuffle=True, random_state=None)",
        "random_state",
        "cv = KFold(5, shuffle=True, random_state=SEED)\n",
    ),
    (
        "a, b = train_test_split(\n    X,\n    y,\n)\n",
        "train_test_split(\n    X,\n    y,\n)",
        "random_state",
        "a, b = train_test_split(\n    X,\n    y,\n    random_state=SEED,\n)\n",
    ),
    (
        "a, b = train_test_split(\n    X,\n    y,  # labels\n)\n",
        "train_test_split(\n    X,\n    y,  # labels\n)",
        "random_state",
        "a, b = train_test_split(\n    X,\n    y,  # labels\n    random_state=SEED,\n)\n",
    ),
    (
        "a, b = train_test_split(X, y, )\n",
        "train_test_split(X, y, )",
        "random_state",
        "a, b = train_test_split(X, y, random_state=SEED, )\n",
    ),
    (
        "a, b = train_test_split(X,\n                        y)\n",
        "train_test_split(X,\n                        y)",
        "random_state",
        "a, b = train_test_split(X,\n                        y, random_state=SEED)\n",
    ),
    (
        "rng = np.random.default_rng()\n",
        "np.random.default_rng()",
        None,
        "rng = np.random.default_rng(SEED)\n",
    ),
    (
        "split = ds.train_test_split(test_size=0.1)\n",
        "ds.train_test_split(test_size=0.1)",
        "seed",
        "split = ds.train_test_split(test_size=0.1, seed=SEED)\n",
    ),
    (
        "f = RandomForestClassifier(base=DecisionTreeClassifier())\n",
        "DecisionTreeClassifier()",
        "random_state",
        "f = RandomForestClassifier(base=DecisionTreeClassifier(random_state=SEED))\n",
    ),
    (  # the outer call starts where the inner one does: the end tells them apart
        "labels = KMeans(3).fit_predict(X)\n",
        "KMeans(3)",
        "random_state",
        "labels = KMeans(3, random_state=SEED).fit_predict(X)\n",
    ),
    (  # findings count code points, ast counts UTF-8 bytes
        "é = 'ü'; m = KMeans(n_clusters=3)\n",
        "KMeans(n_clusters=3)",
        "random_state",
        "é = 'ü'; m = KMeans(n_clusters=3, random_state=SEED)\n",
    ),
    (
        "m = SVC(**params)\n",
        "SVC(**params)",
        "random_state",
        "m = SVC(**params, random_state=SEED)\n",
    ),
]


def _span(source: str, call: str) -> tuple[tuple[int, int], tuple[int, int]]:
    start = source.index(call)
    return position(source, start), position(source, start + len(call))


@pytest.mark.parametrize(("before", "call", "keyword", "after"), CASES)
def test_the_call_at_the_finding_gets_the_seed(
    before: str, call: str, keyword: str | None, after: str
) -> None:
    assert add_seed(before, *_span(before, call), keyword) == after


@pytest.mark.parametrize(
    ("before", "call", "keyword"),
    [
        ("x = 1\n", "x = 1", "random_state"),  # no call there
        ("KMeans()\n", "KMeans(", "random_state"),  # the end does not match
        ("rng = np.random.default_rng(0)\n", "np.random.default_rng(0)", None),  # seeded
        ("m = f(x for x in y)\n", "f(x for x in y)", "random_state"),  # would not parse
        ("def (:\n", "def", "random_state"),  # does not parse
    ],
)
def test_no_edit_where_the_call_cannot_take_the_seed(
    before: str, call: str, keyword: str | None
) -> None:
    assert add_seed(before, *_span(before, call), keyword) is None
