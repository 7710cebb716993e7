"""Add or edit a client (name, kana, contact, phone, e-mail, language, notes)."""

from __future__ import annotations

from sqlalchemy.orm import Session
from textual.app import ComposeResult
from textual.containers import Horizontal

from data.queries import client_detail
from data.records import save_client
from tui.context import AppContext
from tui.screens.record_form import RecordFormScreen
from tui.widgets.form import FormField

LANGUAGE_CHOICES = [("日本語", "ja"), ("English", "en")]


class ClientFormScreen(RecordFormScreen):
    """`ClientFormScreen(ctx)` adds, `ClientFormScreen(ctx, client_id=7)` edits."""

    what = "client"

    def __init__(self, ctx: AppContext, client_id: int | None = None) -> None:
        super().__init__(ctx, client_id)

    def read(self, session: Session, record_id: int) -> tuple[dict[str, str], int | None]:
        detail = client_detail(session, record_id)
        return detail.values(), detail.version

    def write(self, session: Session, values: dict[str, str]) -> int:
        merged = {**self.values, **values}  # keeps fields the form does not show (active)
        with session.no_autoflush:  # save_client looks up the next free code before the row is complete
            client = save_client(session, merged, client_id=self.record_id, expected_version=self.version)
        session.flush()
        return client.id

    def saved_text(self, values: dict[str, str]) -> str:
        return f"Client {values.get('name', '')} saved."

    def form_fields(self) -> ComposeResult:
        v = self.values
        yield FormField("Company name *", "name", v.get("name", ""), placeholder="株式会社…")
        yield FormField("Name in kana (for sorting)", "name_kana", v.get("name_kana", ""), placeholder="カブシキガイシャ…")
        with Horizontal(classes="form-row"):
            yield FormField("Contact person", "contact_person", v.get("contact_person", ""))
            yield FormField("Phone", "phone", v.get("phone", ""), placeholder="03-1234-5678")
        with Horizontal(classes="form-row"):
            yield FormField("E-mail", "email", v.get("email", ""), placeholder="it@example.co.jp")
            yield FormField("Language", "language", v.get("language", "ja"), choices=LANGUAGE_CHOICES)
        with Horizontal(classes="form-row"):
            yield FormField("Code (blank = next free)", "code", v.get("code", ""), placeholder="C0041")
            yield FormField("Notes", "notes", v.get("notes", ""))
