"""Turn a papermill ``parameters`` cell into a frozen ``Config`` dataclass."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand

from nbprod.export.types import MUTABLE_PREFIXES, source_literal_type

_DOC = '"""Notebook parameters; ``Config(NAME=value)`` overrides one, as papermill would."""'


class ConfigFromParameters(VisitorBasedCodemodCommand):
    """``SEED = 42`` becomes the field ``SEED: int = 42`` of ``@dataclass(frozen=True) class Config``.

    Types come from the literal values (an annotation the user wrote is kept);
    mutable defaults (lists, dicts, sets) go through ``field(default_factory=...)``
    because dataclasses reject them as plain defaults. Comments are kept.
    """

    DESCRIPTION = "Make a frozen Config dataclass from a parameters cell."

    def __init__(self, context: CodemodContext, class_name: str = "Config") -> None:
        super().__init__(context)
        self.class_name = class_name

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        fields: list[cst.SimpleStatementLine] = []
        needs_field = False
        for stmt in updated_node.body:
            made = self._field(stmt)
            if made is None:
                self.warn(
                    f"not a parameter assignment, left out: {updated_node.code_for_node(stmt).strip()}"
                )
                continue
            line, mutable = made
            needs_field = needs_field or mutable
            fields.append(line)
        if fields and updated_node.header:
            comments = [ln for ln in updated_node.header if ln.comment is not None]
            fields[0] = fields[0].with_changes(leading_lines=[*comments, *fields[0].leading_lines])
        body: list[cst.BaseStatement] = [cst.parse_statement(_DOC), *fields]
        decorator = cst.Decorator(cst.parse_expression("dataclass(frozen=True)"))
        cls = cst.ClassDef(
            name=cst.Name(self.class_name),
            body=cst.IndentedBlock(body),
            decorators=[decorator],
        )
        self.add_needed_import("dataclasses", "dataclass")
        if needs_field:
            self.add_needed_import("dataclasses", "field")
        if any("Any" in updated_node.code_for_node(f) for f in fields):
            self.add_needed_import("typing", "Any")
        return updated_node.with_changes(body=[cls], header=[])

    def _field(self, stmt: cst.BaseStatement) -> tuple[cst.SimpleStatementLine, bool] | None:
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            return None
        small = stmt.body[0]
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value:
            annotation = small.annotation
            target, value = small.target, small.value
        elif (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
        ):
            target, value = small.targets[0].target, small.value
            code = cst.Module([]).code_for_node(value)
            kind = source_literal_type(code)
            annotation = cst.Annotation(
                cst.parse_expression(kind if kind not in (None, "None") else "Any")
            )
        else:
            return None
        annotation_code = cst.Module([]).code_for_node(annotation.annotation)
        mutable = annotation_code.startswith(MUTABLE_PREFIXES)
        if mutable:
            value = cst.Call(
                cst.Name("field"),
                [cst.Arg(cst.Lambda(cst.Parameters(), value), keyword=cst.Name("default_factory"))],
            )
        field_stmt = cst.AnnAssign(target=target, annotation=annotation, value=value)
        return stmt.with_changes(body=[field_stmt]), mutable
