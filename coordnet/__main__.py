"""``python -m coordnet`` runs the command line."""

from .cli import main

main()
