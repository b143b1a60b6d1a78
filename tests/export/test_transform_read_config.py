from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.export.transforms import ReadConfig


class ReadConfigTest(CodemodTest):
    TRANSFORM = ReadConfig

    def test_lifted_function_takes_the_config(self) -> None:
        before = "def split(X, y):\n    return train_test_split(X, y, test_size=TEST_SIZE, random_state=SEED)\n"
        after = (
            "def split(X, y, config: Config = Config()):\n"
            "    return train_test_split(X, y, test_size=config.TEST_SIZE, random_state=config.SEED)\n"
        )
        self.assertCodemod(before, after, names={"SEED", "TEST_SIZE"}, function="split")

    def test_locally_bound_names_are_not_rewritten(self) -> None:
        before = "def run(data):\n    SEED = 0\n    return sample(data, SEED)\n"
        self.assertCodemod(before, before, names={"SEED"}, function="run")

    def test_tests_build_the_default_config(self) -> None:
        before = (
            'def test_paths() -> None:\n    """Docs."""\n    assert RAW_PATH.endswith(".csv")\n'
        )
        after = (
            'def test_paths() -> None:\n    """Docs."""\n    config = Config()\n'
            '    assert config.RAW_PATH.endswith(".csv")\n'
        )
        self.assertCodemod(before, after, names={"RAW_PATH"}, function="test_paths", local=True)
