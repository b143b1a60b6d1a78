"""A light base for the codemods the planner runs once per exported cell."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst
from libcst.codemod import Codemod, CodemodContext
from libcst.metadata import MetadataWrapper


class CellTransform(Codemod, cst.CSTTransformer):
    """A codemod whose ``visit_*``/``leave_*`` methods transform the module.

    libcst's ``VisitorBasedCodemodCommand`` supports matcher decorators, and to find
    them it inspects every attribute of the transformer on construction: ~40 ms, paid
    for every exported cell. The planner's per-cell codemods use no matchers.
    """

    def __init__(self, context: CodemodContext) -> None:
        Codemod.__init__(self, context)
        cst.CSTTransformer.__init__(self)

    def transform_module(self, tree: cst.Module) -> cst.Module:
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        with self.resolve(wrapper):
            self.context = replace(self.context, wrapper=wrapper)
            return self.transform_module_impl(tree)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        return tree.visit(self)
