"""Subcommands of `concierge`; one module per command family, each with `register(app)`."""
