from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.export.transforms import ConfigFromParameters


class ConfigFromParametersTest(CodemodTest):
    TRANSFORM = ConfigFromParameters

    def test_literals_become_typed_fields(self) -> None:
        before = '# settings\nSEED = 42\nRATE = 0.5\nNAME = "run"\nDEBUG = False\n'
        after = '''
            from dataclasses import dataclass

            @dataclass(frozen=True)
            class Config:
                """Notebook parameters; ``Config(NAME=value)`` overrides one, as papermill would."""
                # settings
                SEED: int = 42
                RATE: float = 0.5
                NAME: str = "run"
                DEBUG: bool = False
        '''
        self.assertCodemod(before, after)

    def test_mutable_defaults_use_a_factory_and_annotations_are_kept(self) -> None:
        before = 'COLUMNS = ["a", "b"]\nWEIGHTS = {"a": 1, "b": 2.5}\nLIMIT: float = 3\n'
        after = '''
            from dataclasses import dataclass, field

            @dataclass(frozen=True)
            class Config:
                """Notebook parameters; ``Config(NAME=value)`` overrides one, as papermill would."""
                COLUMNS: list[str] = field(default_factory = lambda: ["a", "b"])
                WEIGHTS: dict[str, float] = field(default_factory = lambda: {"a": 1, "b": 2.5})
                LIMIT: float = 3
        '''
        self.assertCodemod(before, after)

    def test_none_and_empty_containers_are_any(self) -> None:
        before = "OUT = None\nTAGS = ()\n"
        after = '''
            from dataclasses import dataclass
            from typing import Any

            @dataclass(frozen=True)
            class Config:
                """Notebook parameters; ``Config(NAME=value)`` overrides one, as papermill would."""
                OUT: Any = None
                TAGS: tuple[()] = ()
        '''
        self.assertCodemod(before, after)
