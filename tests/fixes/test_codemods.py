"""The libcst codemods behind fixes, on cell sources (libcst's CodemodTest)."""

from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.fixes.absolute_path import PathFromParameter
from nbprod.fixes.hardcoded_hyperparameters import NameLiterals
from nbprod.fixes.hardcoded_secret import SecretFromEnvironment
from nbprod.fixes.silent_failure import ReraiseInHandler


class ReraiseInHandlerTest(CodemodTest):
    TRANSFORM = ReraiseInHandler

    def test_a_bare_except_catches_exception_and_re_raises(self) -> None:
        before = "try:\n    f()\nexcept:\n    pass\n"
        after = "try:\n    f()\nexcept Exception:\n    raise\n"
        self.assertCodemod(before, after, 3, 1)

    def test_logging_stays_and_the_raise_comes_after_it(self) -> None:
        before = "try:\n    f()\nexcept Exception as e:\n    # say it\n    print(e)\n"
        after = "try:\n    f()\nexcept Exception as e:\n    # say it\n    print(e)\n    raise\n"
        self.assertCodemod(before, after, 3, 1)

    def test_comments_on_the_removed_line_move_to_the_raise(self) -> None:
        before = "for p in ps:\n    try:\n        load(p)\n    except:\n        # skip\n        continue  # bad\n"
        after = "for p in ps:\n    try:\n        load(p)\n    except Exception:\n        # skip\n        raise  # bad\n"
        self.assertCodemod(before, after, 4, 5)

    def test_a_one_line_handler(self) -> None:
        self.assertCodemod("try: f()\nexcept: pass\n", "try: f()\nexcept Exception: raise\n", 2, 1)


class SecretFromEnvironmentTest(CodemodTest):
    TRANSFORM = SecretFromEnvironment

    def test_an_assignment_reads_the_variable_named_after_it(self) -> None:
        before = '# keys\nwandb_api_key = "3f9a1c0e7b2d"\n'
        after = '# keys\nimport os\nwandb_api_key = os.environ["WANDB_API_KEY"]\n'
        self.assertCodemod(before, after, 2, 1)

    def test_a_keyword_argument_without_adding_an_import(self) -> None:
        before = 'df = reader("TSLA", api_key="AZOBAQ2SK8AC1MUD")\n'
        after = 'df = reader("TSLA", api_key=os.environ["API_KEY"])\n'
        self.assertCodemod(before, after, 1, 29, add_import=False)

    def test_a_dict_entry_and_an_attribute(self) -> None:
        before = 'config = {"password": "hunter2hunter2"}\n'
        after = 'config = {"password": os.environ["PASSWORD"]}\n'
        self.assertCodemod(before, after, 1, 11, add_import=False)
        before = 'client.api_key = "sk-proj-4f9a"\n'
        after = 'client.api_key = os.environ["API_KEY"]\n'
        self.assertCodemod(before, after, 1, 18, add_import=False)

    def test_a_secret_with_no_name_is_skipped(self) -> None:
        before = 'os.environ["HF_TOKEN"] = "hf_AbCdEf"\n'
        self.assertCodemod(before, before, 1, 26)


class PathFromParameterTest(CodemodTest):
    TRANSFORM = PathFromParameter

    def test_the_folder_becomes_the_parameter(self) -> None:
        before = "df = pd.read_csv('/home/alice/data/x.csv', sep=';')\n"
        after = "df = pd.read_csv(f'{DATA_DIR}/x.csv', sep=';')\n"
        self.assertCodemod(before, after, 1, 18, "/home/alice/data")

    def test_the_folder_itself_is_the_parameter_and_a_final_slash_stays(self) -> None:
        self.assertCodemod('d = "/home/a/data"\n', "d = DATA_DIR\n", 1, 5, "/home/a/data/")
        self.assertCodemod('d = "/home/a/data/"\n', 'd = f"{DATA_DIR}/"\n', 1, 5, "/home/a/data")

    def test_braces_and_quotes_are_escaped(self) -> None:
        before = "p = '/home/a/{x}\\'s.csv'\n"
        after = "p = f'{DATA_DIR}/{{x}}\\'s.csv'\n"
        self.assertCodemod(before, after, 1, 5, "/home/a")

    def test_a_path_outside_the_folder_or_a_longer_name_is_skipped(self) -> None:
        self.assertCodemod("p = '/home/b/x'\n", "p = '/home/b/x'\n", 1, 5, "/home/a")
        self.assertCodemod("p = '/home/ab'\n", "p = '/home/ab'\n", 1, 5, "/home/a")


class NameLiteralsTest(CodemodTest):
    TRANSFORM = NameLiterals

    def test_numeric_keywords_become_names_and_run_settings_stay(self) -> None:
        before = "m = RandomForestClassifier(n_estimators=300, max_depth=12, n_jobs=-1, criterion='gini')\n"
        after = "m = RandomForestClassifier(n_estimators=N_ESTIMATORS, max_depth=MAX_DEPTH, n_jobs=-1, criterion='gini')\n"
        self.assertCodemod(before, after, 1, 5)

    def test_tuples_of_numbers_are_literals_too(self) -> None:
        before = "MLPClassifier(hidden_layer_sizes=(64, 32), alpha=-1e-4)\n"
        after = "MLPClassifier(hidden_layer_sizes=HIDDEN_LAYER_SIZES, alpha=ALPHA)\n"
        self.assertCodemod(before, after, 1, 1)

    def test_a_positional_literal_skips(self) -> None:
        self.assertCodemod("SVC(10, gamma=0.1)\n", "SVC(10, gamma=0.1)\n", 1, 1)
