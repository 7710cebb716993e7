"""Errors raised by the dispatch optimizer; each message names the path of the bad input."""


class DispatchError(ValueError):
    """A dispatch problem is invalid or cannot be read (message names e.g. `visits[12].windows[0]`)."""
