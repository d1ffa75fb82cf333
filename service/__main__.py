"""`python -m service` runs the `liveblog` command."""

from service.cli import main

main()
