"""Fixes: edits computed from findings, one fix per file, mapped to rules by code
(:mod:`nbprod.fixes.registry`).

:func:`nbprod.fixes.apply.with_fixes` fills each finding's ``fix`` field, and the rest
of :mod:`nbprod.fixes.apply` applies fixes to a notebook file (``nbprod check --fix``).
This package imports nothing: the command line loads only the parts it uses.
"""
