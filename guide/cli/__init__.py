"""Guide's command line (``guide``): see ``guide.cli.main``."""

from guide.cli.common import index_message
from guide.cli.main import app, main

__all__ = ["app", "index_message", "main"]
