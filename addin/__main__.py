"""`python -m addin` runs the kam command line."""

from addin.cli import main

main()
