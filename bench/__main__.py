"""Runs every benchmark and prints its numbers."""

from bench import billing, changes, overview, pages, switcher, tickets

if __name__ == "__main__":
    switcher.main()
    billing.main()
    overview.main()
    pages.main([])
    changes.main([])
    tickets.main([])
