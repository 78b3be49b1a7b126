"""Runs every benchmark and prints its numbers."""

from bench import billing, overview, switcher

if __name__ == "__main__":
    switcher.main()
    billing.main()
    overview.main()
