"""python -m analyzer: the same as the schedlog command."""

from .cli import main

main()
