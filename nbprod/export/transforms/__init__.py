"""libcst codemods of the exporter, one per file, each tested with before/after strings."""

from nbprod.export.transforms.annotate import Annotate
from nbprod.export.transforms.config_from_parameters import ConfigFromParameters
from nbprod.export.transforms.drop_displays import DropDisplays
from nbprod.export.transforms.hoist_imports import HoistImports
from nbprod.export.transforms.lift_cell import LiftCellToFunction
from nbprod.export.transforms.pass_arguments import PassArguments
from nbprod.export.transforms.read_config import ReadConfig
from nbprod.export.transforms.regression import AssertRecordedResult
from nbprod.export.transforms.strip_magics import StripMagics

__all__ = [
    "Annotate",
    "AssertRecordedResult",
    "ConfigFromParameters",
    "DropDisplays",
    "HoistImports",
    "LiftCellToFunction",
    "PassArguments",
    "ReadConfig",
    "StripMagics",
]
