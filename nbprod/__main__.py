import sys

from nbprod.cli import main

sys.exit(main())
