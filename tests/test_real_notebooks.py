"""Hidden-state findings on real notebooks by others (tests/fixtures/corpus), reviewed by hand.

Each expectation below was read against the notebook: a change here is a change in
what users see, so update it only after reading the new finding.
"""

from __future__ import annotations

from nbprod.config import Settings
from nbprod.engine import check_file

from .conftest import FIXTURES

CORPUS = FIXTURES / "corpus"

EXPECTED = {
    # Keras VAE chapter: cell 8 is illustrative pseudo-code that was never run.
    "fchollet__deep-learning-with-python-notebooks__first_edition__8.4-generating-images-with-vaes.ipynb": [
        ("NBP103", 0, 1, 1),
        ("NBP102", 7, 1, 1),
        ("NBP105", 7, 2, 26),  # encoder
        ("NBP104", 7, 2, 34),  # input_img, defined in cell 10
        ("NBP105", 7, 5, 14),  # exp
        ("NBP105", 7, 5, 36),  # epsilon
        ("NBP104", 7, 8, 21),  # decoder, defined in cell 14
        ("NBP104", 7, 11, 9),  # Model, imported in cell 10
    ],
    # %%bigquery df defines `df` in cell 9, but cell 7 reads it. Cell 6 puts a comment
    # before its %%bigquery, which IPython then runs as a line magic. Cell 24 ("only need to
    # run this once") is optional, so its not having run is no finding. Cell 1 ran as [27]
    # after the others, but it only imports: re-importing changes no state (no NBP101).
    # Cell 25 (`!gcloud ai-platform models create`) has no count but stores its output: it ran.
    "GoogleCloudPlatform__ml-design-patterns__06_reproducibility__model_versioning.ipynb": [
        ("NBP103", 3, 1, 1),
        ("NBP000", 5, 2, 1),
        ("NBP104", 6, 1, 6),
        ("NBP102", 38, 1, 1),
    ],
    # 22 cells carry a placeholder count 0; of the two cells swapped at the end, cell 39
    # only displays a value, so the order does not matter. Cells 22 and 36 put a comment
    # before their %%bigquery.
    "GoogleCloudPlatform__ml-design-patterns__03_problem_representation__rebalancing.ipynb": [
        ("NBP101", 1, 1, 1),
        ("NBP103", 3, 1, 1),
        ("NBP000", 21, 2, 1),
        ("NBP000", 35, 2, 1),
    ],
    # a single skipped execution count: below execution-gaps' min-missing
    "guipsamora__pandas_exercises__10_Deleting__Wine__Solutions.ipynb": [],
}


def test_reviewed_findings_on_real_notebooks() -> None:
    for name, expected in EXPECTED.items():
        result = check_file(CORPUS / name, Settings(select=("NBP0", "NBP1")))
        found = [(f.code, f.cell_index, f.line, f.column) for f in result.findings]
        assert sorted(found, key=lambda t: (t[1], t[2], t[3])) == sorted(
            expected, key=lambda t: (t[1], t[2], t[3])
        ), name
