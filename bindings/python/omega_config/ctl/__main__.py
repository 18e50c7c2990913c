"""`python -m omega_config.ctl`: the same as the installed `omegactl` script."""

import sys

from .cli import main

sys.exit(main())
