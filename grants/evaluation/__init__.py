"""Merit evaluation: scorecards, third reviews and rankings of a call's applications."""
