"""Where things are in the repository."""

import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
