"""nbprod: take ML notebooks from prototype to production."""

__version__ = "0.1.0"
