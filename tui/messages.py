"""Messages that travel up from screens to the app (attributes down, messages up)."""

from __future__ import annotations

from textual.message import Message


class Navigate(Message):
    """Ask the app to open a destination of tui.navigation by name (with screen arguments)."""

    def __init__(self, destination: str, **arguments: object) -> None:
        super().__init__()
        self.destination = destination
        self.arguments = arguments

