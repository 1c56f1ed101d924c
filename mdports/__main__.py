"""``python -m mdports``."""

from .cli import main

main()
