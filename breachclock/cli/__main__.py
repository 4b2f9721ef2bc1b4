"""``python -m breachclock.cli``."""

from breachclock.cli import app

app()
