"""Errors raised by the data layer; each message names the record, file, line or column at fault."""


class DataError(Exception):
    """Base class for data-layer failures that the user can act on."""


class DatabaseError(DataError):
    """The database cannot be opened: bad URL, unreachable server, not SQLite, wrong schema version."""


class ValidationError(DataError):
    """A record (form, CSV row) has a bad field; `field` names it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ValidationErrors(ValidationError):
    """Several bad fields of one form at once (data.fields.collecting); `errors` lists each, in form order.
    Its message lists them all ("; "); its field is the first one's."""

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__("; ".join(str(e) for e in errors), field=errors[0].field)
        self.errors = tuple(errors)


class ConflictError(DataError):
    """Someone else changed the record since it was read (optimistic version check failed)."""


class NotFoundError(DataError):
    """A referenced record does not exist."""


class LockedError(DataError):
    """The record belongs to a closed billing month and can no longer be changed."""


class GeocodeError(ValidationError):
    """An address cannot be resolved even to a prefecture."""


class BusyError(DataError):
    """The database stayed busy with another user's change for longer than we wait; nothing was written."""


class AccessDenied(DataError):
    """The signed-in person's role may not do this; the message says who they are and who may."""


class SessionEnded(DataError):
    """PostgreSQL ended this login's session (its login was disabled, or the server restarted), or refuses
    to let the login in; the person signs in again (data.access.sessions)."""
