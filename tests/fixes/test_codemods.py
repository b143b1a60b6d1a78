"""The libcst codemods behind fixes, on cell sources (libcst's CodemodTest)."""

from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.fixes.unseeded_randomness import AddSeed


class AddSeedTest(CodemodTest):
    TRANSFORM = AddSeed

    def test_a_keyword_is_appended(self) -> None:
        before = "model = RandomForestClassifier(n_estimators=N)\n"
        after = "model = RandomForestClassifier(n_estimators=N, random_state=SEED)\n"
        self.assertCodemod(before, after, 1, 9)

    def test_an_empty_call_gets_only_the_keyword(self) -> None:
        self.assertCodemod("KMeans()\n", "KMeans(random_state=SEED)\n", 1, 1)

    def test_random_state_none_is_replaced(self) -> None:
        before = "cv = KFold(5, shuffle=True, random_state=None)\n"
        after = "cv = KFold(5, shuffle=True, random_state=SEED)\n"
        self.assertCodemod(before, after, 1, 6)

    def test_one_argument_per_line_keeps_its_layout(self) -> None:
        before = "a, b = train_test_split(\n    X,\n    y,\n)\n"
        after = "a, b = train_test_split(\n    X,\n    y,\n    random_state=SEED,\n)\n"
        self.assertCodemod(before, after, 1, 8)

    def test_a_generator_gets_the_seed_as_its_argument(self) -> None:
        before = "rng = np.random.default_rng()\n"
        after = "rng = np.random.default_rng(SEED)\n"
        self.assertCodemod(before, after, 1, 7)

    def test_only_the_call_at_the_position_changes(self) -> None:
        before = "f = RandomForestClassifier(base=DecisionTreeClassifier())\n"
        after = "f = RandomForestClassifier(base=DecisionTreeClassifier(random_state=SEED))\n"
        self.assertCodemod(before, after, 1, 33)

    def test_no_call_at_the_position_skips(self) -> None:
        self.assertCodemod("x = 1\n", "x = 1\n", 1, 1, expected_skip=True)
