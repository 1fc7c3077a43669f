"""The ``credit-ledger`` command line: a module per command group; ``main`` registers them."""
