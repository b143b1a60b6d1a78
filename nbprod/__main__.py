from nbprod.cli import entry

entry()
