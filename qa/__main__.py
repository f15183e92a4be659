"""``python -m qa``."""

from qa.cli import run

if __name__ == "__main__":
    run()
