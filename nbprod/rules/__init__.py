"""Checklist rules: one class per file, grouped by checklist area."""

from nbprod.rules.base import AUTO, Example, ExampleCell, Invalid, Rule, code_cell, markdown_cell

__all__ = ["AUTO", "Example", "ExampleCell", "Invalid", "Rule", "code_cell", "markdown_cell"]
