"""Checklist rules: one class per file, grouped by checklist area (see registry)."""
