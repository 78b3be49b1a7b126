"""Runs every benchmark and prints its numbers."""

from bench import switcher

if __name__ == "__main__":
    switcher.main()
