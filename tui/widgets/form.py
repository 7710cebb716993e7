"""Form fields that show their own error, and the helpers that fill and check a whole form.

Usage in a screen or dialog::

    from tui.widgets.form import FormField, clear_errors, form_values, show_error

    def compose(self) -> ComposeResult:
        yield FormField("Name", "name", value=client.name)             # a text input
        yield FormField("Language", "language", choices=[("日本語", "ja"), ("English", "en")], value="ja")

    @on(Button.Pressed, "#save")
    def save_client(self) -> None:
        values = form_values(self)                  # {"name": "...", "language": "ja"} from every FormField
        try:
            with ctx.db.transaction() as session:   # one transaction per save
                save_client(session, values)
        except ValidationError as exc:
            show_error(self, exc)                   # message under the field named by exc.field, focus it
            return
        clear_errors(self)

`show_error` returns False when no field of the form has the error's name, so the caller can
`notify(str(exc), severity="error")` instead. Field names are the keys `data.records` validates.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Input, Label, Select

from data.errors import ValidationError, ValidationErrors
from tui.text import clean, plain

Choices = list[tuple[str, str]]
"""(shown text, stored value) pairs for a field picked from a list."""


class FormField(Vertical):
    """A label, a compact input (or a select when `choices` is given) and an error line under it.

    The field's id is `field-<name>` and its control's id `input-<name>`.
    """

    DEFAULT_CSS = """
    FormField { height: auto; margin: 0 0 1 0; }
    FormField > .form-label { color: $text-muted; height: 1; }
    FormField > .form-error { color: $error; height: auto; display: none; }
    FormField.-invalid > .form-error { display: block; }
    FormField.-invalid > .form-label { color: $error; text-style: bold; }
    FormField > .form-hint { color: $text-muted; height: auto; }
    """

    def __init__(
        self,
        label: str,
        name: str,
        value: str = "",
        *,
        choices: Choices | None = None,
        placeholder: str = "",
        hint: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id or f"field-{name}", classes=classes)
        self.field_name = name
        self.label_text = label
        self.initial = value
        self.choices = choices
        self.placeholder = placeholder
        self.hint = hint

    def compose(self) -> ComposeResult:
        yield Label(self.label_text, classes="form-label")
        if self.choices is not None:
            known = {v for _, v in self.choices}
            yield Select(
                self.choices, value=self.initial if self.initial in known else Select.NULL,
                allow_blank=not self.initial, id=f"input-{self.field_name}", compact=True,
            )
        else:
            yield Input(clean(self.initial), placeholder=self.placeholder, id=f"input-{self.field_name}", compact=True)
        if self.hint:
            yield Label(self.hint, classes="form-hint")
        yield Label("", classes="form-error")

    @property
    def control(self) -> Input | Select[str]:
        """The input or select of this field."""
        return self.query_one(f"#input-{self.field_name}")  # type: ignore[return-value]

    @property
    def value(self) -> str:
        control = self.control
        if isinstance(control, Select):
            return "" if control.is_blank() else str(control.value)
        return control.value

    @value.setter
    def value(self, text: str) -> None:
        control = self.control
        if isinstance(control, Select):
            control.value = text if text else Select.NULL
        else:
            control.value = clean(text)

    def set_error(self, message: str | None) -> None:
        """Show `message` under the field (None clears it)."""
        self.query_one(".form-error", Label).update(plain(message or "", multiline=True))
        self.set_class(bool(message), "-invalid")

    @property
    def error(self) -> str:
        return str(self.query_one(".form-error", Label).content) if self.has_class("-invalid") else ""


def fields(root: DOMNode) -> list[FormField]:
    """Every FormField under `root`, in layout order."""
    return list(root.query(FormField))


def form_values(root: DOMNode) -> dict[str, str]:
    """{field name: current text} for every FormField under `root`."""
    return {f.field_name: f.value for f in fields(root)}


def clear_errors(root: DOMNode) -> None:
    for f in fields(root):
        f.set_error(None)


def field_message(error: ValidationError) -> str:
    """The error without its leading "field: " (the field's label already says which)."""
    text = str(error)
    if error.field and text.startswith(f"{error.field}: "):
        text = text[len(error.field) + 2 :]
    return text[:1].upper() + text[1:]


def show_error(root: DOMNode, error: ValidationError, *, aliases: dict[str, str] | None = None) -> bool:
    """Clear old errors, put `error` under its field and focus that field; a `ValidationErrors` (a form
    checked whole, data.fields.collecting) puts each problem under its own field and focuses the first.

    `aliases` maps a validator field name to a form field name (e.g. {"home_lat": "lat"}).
    Returns False when some problem has no field in the form (show the message some other way).
    """
    clear_errors(root)
    placed: list[FormField] = []
    every = error.errors if isinstance(error, ValidationErrors) else (error,)
    for one in every:
        name = (aliases or {}).get(one.field or "", one.field)
        if not name:
            continue
        try:
            target = root.query_one(f"#field-{name}", FormField)
        except NoMatches:
            continue
        target.set_error(field_message(one))
        placed.append(target)
    if placed:
        control: Widget = placed[0].control
        control.focus()
    return len(placed) == len(every)
