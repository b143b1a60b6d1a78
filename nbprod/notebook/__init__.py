"""Notebook model and loading."""

from nbprod.notebook.load import NotebookError, load_notebook, notebook_from_data
from nbprod.notebook.model import Cell, Notebook

__all__ = ["Cell", "Notebook", "NotebookError", "load_notebook", "notebook_from_data"]
