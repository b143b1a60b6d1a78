from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.export.model import ImportSpec
from nbprod.export.transforms import HoistImports

AVAILABLE = {
    "np": ImportSpec("numpy", None, "np"),
    "pd": ImportSpec("pandas", None, "pd"),
    "Path": ImportSpec("pathlib", "Path"),
    "profit_score": ImportSpec("pkg.metrics", "profit_score"),
}


class HoistImportsTest(CodemodTest):
    TRANSFORM = HoistImports

    def test_imports_between_definitions_move_to_the_top(self) -> None:
        before = "def f(x):\n    return np.sum(x)\n\nimport numpy as np\n"
        after = "import numpy as np\n\ndef f(x):\n    return np.sum(x)\n"
        self.assertCodemod(before, after, available={})

    def test_unused_imports_are_dropped(self) -> None:
        before = "import os\nimport numpy as np\nfrom pathlib import Path, PurePath\n\ndef f(p):\n    return Path(p)\n"
        after = "from pathlib import Path\n\ndef f(p):\n    return Path(p)\n"
        self.assertCodemod(before, after, available={})

    def test_free_names_get_their_import(self) -> None:
        before = "def load(p):\n    return pd.read_csv(p)\n\ndef score(y, p):\n    return profit_score(y, p)\n"
        after = (
            "import pandas as pd\nfrom pkg.metrics import profit_score\n\n"
            "def load(p):\n    return pd.read_csv(p)\n\ndef score(y, p):\n    return profit_score(y, p)\n"
        )
        self.assertCodemod(before, after, available=AVAILABLE)

    def test_names_the_module_binds_are_not_imported(self) -> None:
        before = "def profit_score(y, p):\n    return 0.0\n\nscore = profit_score\n"
        self.assertCodemod(before, before, available=AVAILABLE)

    def test_stdlib_submodules_are_imported_explicitly(self) -> None:
        before = "def get(url):\n    return urllib.request.urlopen(url), os.path.join('a', 'b'), os.sep\n"
        after = "import os.path\nimport urllib.request\n\n" + before
        available = {"urllib": ImportSpec("urllib"), "os": ImportSpec("os")}
        self.assertCodemod(before, after, available=available)

    def test_comments_above_the_first_definition_stay_with_it(self) -> None:
        before = "# helpers for loading\n\ndef load(p):\n    return pd.read_csv(p)\n"
        after = "import pandas as pd\n\n# helpers for loading\ndef load(p):\n    return pd.read_csv(p)\n"
        self.assertCodemod(before, after, available=AVAILABLE)
