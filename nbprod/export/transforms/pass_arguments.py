"""Functions that read notebook values at run time take them as arguments instead.

In a notebook ``def build_model(): ... train_data.shape[1] ...`` reads the global
``train_data`` when it is called, and ``def step(..., device=device)`` reads
``device`` when it is defined. A package has neither global. The planner turns each
such read into a parameter (``implicit``: function -> {parameter: expression}) and
this transform makes that explicit on both sides:

* the definition: the parameter loses its run-time default, or a new keyword-only
  parameter is added for a global the body read;
* every call ``f(...)`` that does not pass it gets ``parameter=expression``: at the
  call site that expression has the value the notebook's function would have seen.

A call from the body of a function that does not take the same values (the planner
gives them to every copied def that calls ``f``), or a reference to ``f`` that is not
a call, cannot be rewritten that way; they are collected in ``problems``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.codemod import CodemodContext

from nbprod.export.model import ExportRefused
from nbprod.export.transforms.base import CellTransform


def pass_arguments(
    tree: cst.Module,
    implicit: Mapping[str, Mapping[str, str]],
    positional: Mapping[str, Sequence[str]],
) -> cst.Module:
    """``tree`` with :class:`PassArguments` applied; a problem refuses the cell."""
    if not implicit:
        return tree
    transform = PassArguments(CodemodContext(), implicit, positional)
    out = transform.transform_module(tree)
    if transform.problems:
        raise ExportRefused(transform.problems[0])
    return out


class PassArguments(CellTransform):
    DESCRIPTION = "Pass the run-time values a function read as globals as arguments."

    def __init__(
        self,
        context: CodemodContext,
        implicit: Mapping[str, Mapping[str, str]],
        positional: Mapping[str, Sequence[str]],
    ) -> None:
        """``positional``: each function's positional parameters, to tell what a call passes."""
        super().__init__(context)
        self.implicit = implicit
        self.positional = positional
        self.problems: list[str] = []
        self._functions: list[str] = []  # the enclosing defs, outermost first
        self._called: set[int] = set()  # ids of Name nodes that are called or defined
        self._references: list[str] = []

    # -- definitions -------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node.name.value)
        self._called.add(id(node.name))

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._functions.pop()
        wanted = self.implicit.get(updated_node.name.value)
        if not wanted or self._functions:
            return updated_node
        return updated_node.with_changes(params=self._parameters(updated_node, wanted))

    def _parameters(self, node: cst.FunctionDef, wanted: Mapping[str, str]) -> cst.Parameters:
        params = node.params
        positional = [*params.posonly_params, *params.params]
        names = {p.name.value for p in [*positional, *params.kwonly_params]}
        if params.star_kwarg is not None:
            names.add(params.star_kwarg.name.value)
        keep_default = False
        for index, param in enumerate(positional):
            if param.name.value in wanted:
                if keep_default:  # without its default it would follow one: left as is
                    self.problems.append(
                        f"'{node.name.value}': parameter '{param.name.value}' has a default "
                        "computed at run time and follows a parameter with a default"
                    )
                    continue
                positional[index] = param.with_changes(
                    default=None, equal=cst.MaybeSentinel.DEFAULT
                )
            elif param.default is not None:
                keep_default = True
        kwonly = [
            (
                p.with_changes(default=None, equal=cst.MaybeSentinel.DEFAULT)
                if p.name.value in wanted
                else p
            )
            for p in params.kwonly_params
        ]
        kwonly += [cst.Param(cst.Name(name)) for name in wanted if name not in names]
        star_arg = params.star_arg
        if kwonly and not isinstance(star_arg, cst.Param):
            star_arg = cst.ParamStar()
        count = len(params.posonly_params)
        return params.with_changes(
            posonly_params=positional[:count],
            params=positional[count:],
            kwonly_params=kwonly,
            star_arg=star_arg,
        )

    # -- calls and other references --------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            self._called.add(id(node.func))

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        func = original_node.func
        if not isinstance(func, cst.Name) or func.value not in self.implicit:
            return updated_node
        needed = set(self.implicit[func.value].values())
        outer = self._functions[0] if self._functions else None
        if (
            outer is not None
            and outer != func.value
            and not needed <= set(self.implicit.get(outer, ()))
        ):
            self.problems.append(
                f"'{self._functions[0]}' calls '{func.value}', which reads "
                f"{_names(self.implicit[func.value])} from the notebook at run time; export "
                f"'{self._functions[0]}' as a cell's code, or pass them as arguments"
            )
            return updated_node
        passed = {a.keyword.value for a in updated_node.args if a.keyword is not None}
        if any(a.star for a in updated_node.args):
            return updated_node  # *args/**kwargs may pass them: leave the call as written
        positional = sum(1 for a in updated_node.args if a.keyword is None)
        added = [
            cst.Arg(
                cst.parse_expression(expr),
                keyword=cst.Name(param),
                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
            )
            for param, expr in self.implicit[func.value].items()
            if param not in passed and param not in self.positional[func.value][:positional]
        ]
        if not added:
            return updated_node
        args = list(updated_node.args)
        if args:
            args[-1] = args[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        return updated_node.with_changes(args=[*args, *added])

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._called.add(id(node.attr))  # `obj.f` is another object's attribute

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._called.add(id(node.keyword))

    def visit_Param(self, node: cst.Param) -> None:
        self._called.add(id(node.name))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.implicit and id(node) not in self._called:
            self._references.append(node.value)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        for name in dict.fromkeys(self._references):
            self.problems.append(
                f"uses '{name}' without calling it, but '{name}' reads "
                f"{_names(self.implicit[name])} from the notebook at run time; call it instead"
            )
        return updated_node


def _names(wanted: Mapping[str, str]) -> str:
    return ", ".join(f"'{expr}'" for expr in wanted.values())
