"""`python -m sanctuary ...` is the `sanctuary` command."""
from .cli import run

run()
