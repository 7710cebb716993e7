"""Add or edit an office: address with the geocoding result shown live, coordinates, business hours.

While the address is typed, a thread worker geocodes it (data.records.default_geocoder, an offline
gazetteer) and shows the point and its precision (town, municipality, prefecture). The latitude and
longitude fields stay empty to use that result; typing them overrides it ("manual" precision).
Editing an office without changing its address keeps its stored point.
Without a geocoder in this build the coordinates must be typed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label

from data.errors import DataError, NotFoundError
from data.fields import format_float
from data.models import Client
from data.queries import office_detail
from data.records import GeocodeFn, default_geocoder, save_office
from tui.context import AppContext
from tui.screens.record_form import RecordFormScreen
from tui.text import plain
from tui.widgets.form import FormField

GEOCODE_DELAY = 0.3
"""Seconds of typing pause before the address is geocoded."""

PRECISION_WORDS = {
    "town": "town (chōme) — good for routing",
    "municipality": "municipality only — check the point or type coordinates",
    "prefecture": "prefecture only — type the coordinates",
    "manual": "typed by hand",
}


class OfficeFormScreen(RecordFormScreen):
    """`OfficeFormScreen(ctx, client_id=3)` adds, `OfficeFormScreen(ctx, client_id=3, office_id=9)` edits."""

    what = "office"

    class Geocoded(Message):
        def __init__(self, address: str, result: tuple[float, float, str] | None, error: str | None) -> None:
            super().__init__()
            self.address = address
            self.result = result
            self.error = error

    def __init__(self, ctx: AppContext, client_id: int, office_id: int | None = None) -> None:
        self.client_id = client_id
        self.stored_point: tuple[float, float, str | None] | None = None
        super().__init__(ctx, office_id)
        self.geocoder: GeocodeFn | None = default_geocoder()
        self.geocode_timer: Timer | None = None

    def read(self, session: Session, record_id: int) -> tuple[dict[str, str], int | None]:
        _client_id, office = office_detail(session, record_id)
        self.stored_point = (office.lat, office.lon, office.precision)
        values = office.values()
        if office.precision == "manual":
            values["lat"], values["lon"] = format_float(office.lat), format_float(office.lon)
        return values, office.version

    def write(self, session: Session, values: dict[str, str]) -> int:
        client = session.get(Client, self.client_id)
        if client is None:
            raise NotFoundError(f"client {self.client_id} no longer exists")
        merged = {**self.values, **values}
        address_kept = merged.get("address", "").strip() == self.values.get("address", "").strip()
        if self.stored_point is not None and not merged.get("lat") and not merged.get("lon") and (
            address_kept or self.geocoder is None
        ):
            # the address did not change: keep the stored point (and its precision) instead of re-geocoding
            merged["lat"], merged["lon"] = format_float(self.stored_point[0]), format_float(self.stored_point[1])
        with session.no_autoflush:  # save_office looks up the next free code before the row is complete
            office = save_office(session, merged, office_id=self.record_id, client=client,
                                 expected_version=self.version, geocoder=self.geocoder)
        session.flush()
        return office.id

    def saved_text(self, values: dict[str, str]) -> str:
        return f"Office {values.get('name', '')} saved."

    def form_fields(self) -> ComposeResult:
        v = self.values
        with Horizontal(classes="form-row"):
            yield FormField("Office name *", "name", v.get("name", ""), placeholder="本社")
            yield FormField("Postal code", "postal_code", v.get("postal_code", ""), placeholder="160-0023")
        yield FormField("Address *", "address", v.get("address", ""), placeholder="東京都新宿区西新宿1丁目…")
        yield Label(self.geocode_idle_text(), id="geocode-result")
        with Horizontal(classes="form-row"):
            yield FormField("Latitude (blank = from address)", "lat", v.get("lat", ""))
            yield FormField("Longitude (blank = from address)", "lon", v.get("lon", ""))
        with Horizontal(classes="form-row"):
            yield FormField("Opens", "opens", v.get("opens", "09:00"), placeholder="09:00")
            yield FormField("Closes", "closes", v.get("closes", "18:00"), placeholder="18:00")
        yield FormField("Notes (entrance, parking, who to ask)", "notes", v.get("notes", ""))

    def geocode_idle_text(self) -> str:
        if self.stored_point is not None:
            lat, lon, precision = self.stored_point
            return f"Stored point: {lat:.5f}, {lon:.5f} ({PRECISION_WORDS.get(precision or '', precision or 'unknown')})"
        if default_geocoder() is None:
            return "No geocoder in this build: type the latitude and longitude."
        return "Type the address: its coordinates appear here."

    def on_mount(self) -> None:
        super().on_mount()
        if self.stored_point is not None:
            lat, lon, _ = self.stored_point
            self.query_one("#input-lat", Input).placeholder = f"{lat:.5f}"
            self.query_one("#input-lon", Input).placeholder = f"{lon:.5f}"

    @on(Input.Changed, "#input-address")
    def address_changed(self, event: Input.Changed) -> None:
        if self.geocoder is None or (self.stored_point is not None and event.value == self.values.get("address")):
            return
        if self.geocode_timer is not None:
            self.geocode_timer.stop()
        address = event.value
        self.geocode_timer = self.set_timer(GEOCODE_DELAY, lambda: self.geocode(address))

    @work(thread=True, exclusive=True, exit_on_error=False, group="geocode")
    def geocode(self, address: str) -> None:
        if not address.strip() or self.geocoder is None:
            self.post_message(self.Geocoded(address, None, None))
            return
        try:
            result = self.geocoder(address)
        except DataError as exc:
            self.post_message(self.Geocoded(address, None, str(exc)))
            return
        except Exception as exc:
            self.post_message(self.Geocoded(address, None, f"the geocoder failed ({exc.__class__.__name__})"))
            return
        self.post_message(self.Geocoded(address, result, None))

    @on(Geocoded)
    def show_geocode(self, message: Geocoded) -> None:
        if message.address != self.query_one("#input-address", Input).value:
            return  # the address changed meanwhile
        label = self.query_one("#geocode-result", Label)
        lat_input = self.query_one("#input-lat", Input)
        lon_input = self.query_one("#input-lon", Input)
        if message.result is None:
            label.set_class(True, "-unresolved")
            label.update(plain(f"Not found: {message.error}. Type the coordinates." if message.error else self.geocode_idle_text()))
            lat_input.placeholder = lon_input.placeholder = ""
            return
        lat, lon, precision = message.result
        label.set_class(precision not in ("town", "manual"), "-unresolved")
        label.update(f"Found: {lat:.5f}, {lon:.5f} — precision {PRECISION_WORDS.get(precision, precision)}")
        lat_input.placeholder, lon_input.placeholder = f"{lat:.5f}", f"{lon:.5f}"
