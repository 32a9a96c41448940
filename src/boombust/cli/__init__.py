"""The ``boombust`` command line: thin adapters over the public API."""
