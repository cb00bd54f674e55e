"""``python -m gradsym`` runs the command line."""

from gradsym.cli import main

main()
