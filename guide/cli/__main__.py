"""``python -m guide.cli``."""

from guide.cli.main import main

main()
