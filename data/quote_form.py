"""The quote screen's form text → `pricing.quote` inputs, and a quote → plain text or Markdown.

The screen sends what the admin typed: one dict per office row ("name", "place", "pcs", "servers")
and one dict of options. `quote_from_form` checks every field (a `ValidationError` names it as
`offices.<row>.<field>` or the option's name), resolves places (an address through the geocoder, or
"lat, lon" typed directly) and prices the quote. `quote_text`/`quote_markdown` render a quote for
export; `write_quote` saves one to a file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from data.contracts import ROUNDINGS, SERVICE_HOURS, parse_month
from data.errors import GeocodeError, NotFoundError, ValidationError
from data.fields import Values, boolean, choice, integer, text, word_list
from data.models import Client
from data.quotes import client_quote_inputs
from pricing.conditions import VISITING
from pricing.errors import PricingError
from pricing.money import format_yen
from pricing.quote import OfficeInput, Quote, QuoteOptions, quote
from pricing.tariff import Tariff

GeocodeFn = Callable[[str], tuple[float, float, str]]

_LATLON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$")
PLAN_NAMES = {"per_cluster": "one concierge per office cluster", "two_tier": "two-tier: base unit + spot fee per visit"}


@dataclass
class Places:
    """Resolved places of this form (address → lat, lon), so typing does not geocode the same text twice.

    Offices loaded from a client come with their coordinates on record under their address.
    """

    known: dict[str, tuple[float, float]] = field(default_factory=dict)
    geocoder: GeocodeFn | None = None

    def resolve(self, place: str, field_name: str) -> tuple[float, float]:
        key = place.strip()
        if key in self.known:
            return self.known[key]
        match = _LATLON.match(key)
        if match:
            lat, lon = float(match[1]), float(match[2])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValidationError(f"{field_name}: {key!r} is out of range (lat -90..90, lon -180..180)", field=field_name)
            return lat, lon
        if self.geocoder is None:
            raise ValidationError(f"{field_name}: type the coordinates as 'lat, lon' (no geocoder available)", field=field_name)
        try:
            lat, lon, _precision = self.geocoder(key)
        except GeocodeError as exc:
            reason = str(exc).removeprefix("address: ")
            raise ValidationError(f"{field_name}: {reason}", field=field_name) from None
        self.known[key] = (lat, lon)
        return lat, lon


@dataclass(frozen=True)
class OfficeExtras:
    """What a loaded client office knows beyond the typed fields (not priced, only flagged/estimated)."""

    other_seats: int = 0
    old_devices: int = 0


def office_inputs(
    rows: Sequence[Values], places: Places, extras: Sequence[OfficeExtras | None] = ()
) -> list[OfficeInput]:
    """Office rows → pricing inputs; rows with every field empty are skipped."""
    offices: list[OfficeInput] = []
    for index, row in enumerate(rows):
        if not any((row.get(k) or "").strip() for k in ("name", "place", "pcs", "servers")):
            continue
        prefix = f"offices.{index}."
        name = text({prefix + "name": row.get("name")}, prefix + "name") or f"Office {index + 1}"
        place = text({prefix + "place": row.get("place")}, prefix + "place", required=True, max_len=300)
        assert place is not None
        pcs = integer({prefix + "pcs": row.get("pcs")}, prefix + "pcs", default=0, minimum=0, maximum=100_000)
        servers = integer({prefix + "servers": row.get("servers")}, prefix + "servers", default=0, minimum=0, maximum=10_000)
        assert pcs is not None and servers is not None
        lat, lon = places.resolve(place, prefix + "place")
        extra = (extras[index] if index < len(extras) else None) or OfficeExtras()
        try:
            offices.append(OfficeInput(
                name=name, lat=lat, lon=lon, pcs=pcs, servers=servers, other_seats=extra.other_seats,
                old_devices=min(extra.old_devices, pcs + servers),
            ))
        except PricingError as exc:
            raise ValidationError(f"{prefix}place: {exc}", field=prefix + "place") from None
    if not offices:
        raise ValidationError("offices: add at least one office with its PCs", field="offices")
    return offices


def quote_options(values: Values) -> QuoteOptions:
    """The option fields: rounding, service_hours, visits_per_month (empty: estimated), response_hours,
    team_size, visiting, first_line_support, low_it_literacy, start (YYYY-MM, optional)."""
    visits = integer(values, "visits_per_month", minimum=0, maximum=1000)
    response = integer(values, "response_hours", default=24, minimum=1, maximum=240)
    team = integer(values, "team_size", default=1, minimum=1, maximum=20)
    assert response is not None and team is not None
    start = parse_month(values.get("start"), "start", required=False)
    try:
        return QuoteOptions(
            rounding=choice(values, "rounding", ROUNDINGS, default="half"),
            service_hours=tuple(word_list(values, "service_hours", SERVICE_HOURS)),
            visits_per_month=visits,
            response_hours=response,
            team_size=team,
            visiting=choice(values, "visiting", tuple(VISITING), default="on_site"),
            first_line_support=boolean(values, "first_line_support", default=False),
            low_it_literacy=boolean(values, "low_it_literacy", default=False),
            start=start,
        )
    except PricingError as exc:
        name = str(exc).split(":", 1)[0]
        raise ValidationError(str(exc), field=name) from None


def quote_from_form(
    rows: Sequence[Values], options: Values, tariff: Tariff, places: Places, extras: Sequence[OfficeExtras | None] = ()
) -> Quote:
    """Price what the admin typed; a bad field raises ValidationError naming it."""
    offices = office_inputs(rows, places, extras)
    settings = quote_options(options)
    try:
        return quote(offices, settings, tariff)
    except PricingError as exc:
        raise ValidationError(str(exc), field=str(exc).split(":", 1)[0]) from None


# --- rendering ---------------------------------------------------------------------------------------


def _qty(value: object) -> str:
    text_value = f"{value}"
    return text_value.rstrip("0").rstrip(".") if "." in text_value else text_value


def summary_line(q: Quote) -> str:
    """"¥92,400 a month incl. tax (net ¥84,000 + tax ¥8,400), one concierge per office cluster"."""
    spot = ""
    if q.plan.spot_fee_gross:
        spot = (f" + {format_yen(q.plan.spot_fee_gross)} per visit incl. tax "
                f"(about {format_yen(q.plan.expected_gross_total)} at {q.plan.expected_visits} visits a month)")
    return (
        f"{format_yen(q.gross_total)} a month incl. tax (net {format_yen(q.net_total)} + tax {format_yen(q.tax)}){spot}, "
        f"{PLAN_NAMES.get(q.recommended, q.recommended)}"
    )


def _cluster_lines(q: Quote) -> list[str]:
    out = []
    for c in q.clusters:
        units = f"{_qty(c.seats.units)} units" if c.priced else "not priced (no in-scope PCs)"
        out.append(f"Cluster {c.number}: {', '.join(c.office_names)} — {c.seats.pcs} PCs, {c.seats.servers} servers, "
                   f"{units}, span {_qty(c.span_km)} km")
    return out


def _other_plan(q: Quote) -> list[str]:
    out = []
    for name, plan in q.plans.items():
        if name == q.recommended:
            continue
        spot = f" + {format_yen(plan.spot_fee_gross)} per visit" if plan.spot_fee_gross else ""
        out.append(f"Also priced: {PLAN_NAMES.get(name, name)} — {format_yen(plan.gross_total)} a month{spot} "
                   f"(expected {format_yen(plan.expected_gross_total)} at {plan.expected_visits} visits)")
    return out


def _terms(q: Quote) -> list[str]:
    if q.terms is None:
        return ["Contract: starts on the 1st of a month; 3-month minimum; cancel with one month's notice before a month end."]
    t = q.terms
    return [
        f"Contract: first billed month {t.first_billable_month:%Y-%m}; earliest end {t.earliest_end_date.isoformat()} "
        f"(notice by {t.notice_deadline.isoformat()}); annual prepayment possible, no discount."
    ]


def quote_text(q: Quote, *, title: str = "Quote", created: dt.datetime | None = None) -> str:
    """A plain-text quote (for e-mail or print)."""
    lines = [title, "=" * len(title)]
    if created:
        lines.append(f"Date: {created:%Y-%m-%d}   Tariff: {q.tariff_version}")
    lines += ["", summary_line(q), ""]
    lines += _cluster_lines(q)
    lines.append("")
    width = max([len(line.label) for line in q.lines] + [len("Consumption tax 10.0%"), len("Total incl. tax")])
    for line in q.lines:
        lines.append(f"{line.label:<{width}}  {_qty(line.quantity):>6} × {format_yen(line.unit_price):>9}  {format_yen(line.net):>10}")
        lines.append(f"{'':<{width}}  {line.basis}")
    lines += [
        f"{'Net':<{width}}  {'':>18}  {format_yen(q.net_total):>10}",
        f"{'Consumption tax ' + _qty(q.tax_rate_pct) + '%':<{width}}  {'':>18}  {format_yen(q.tax):>10}",
        f"{'Total incl. tax':<{width}}  {'':>18}  {format_yen(q.gross_total):>10}",
        "",
    ]
    lines += _other_plan(q)
    lines += [f"Warning: {w}" for w in q.warnings]
    lines += _terms(q)
    return "\n".join(lines) + "\n"


def quote_markdown(q: Quote, *, title: str = "Quote", created: dt.datetime | None = None) -> str:
    """A Markdown quote with a table of lines."""
    out = [f"# {title}", ""]
    if created:
        out += [f"Date: {created:%Y-%m-%d} · Tariff: {q.tariff_version}", ""]
    out += [f"**{summary_line(q)}**", "", "## Offices", ""]
    out += [f"- {c}" for c in _cluster_lines(q)]
    out += ["", "## Monthly fee", "", "| Line | Basis | Qty | Unit price | Net |", "|---|---|---:|---:|---:|"]
    for line in q.lines:
        basis = line.basis.replace("|", "/")
        out.append(f"| {line.label} | {basis} | {_qty(line.quantity)} | {format_yen(line.unit_price)} | {format_yen(line.net)} |")
    out += [
        f"| **Net** | | | | **{format_yen(q.net_total)}** |",
        f"| Consumption tax {_qty(q.tax_rate_pct)}% | rounded down once | | | {format_yen(q.tax)} |",
        f"| **Total incl. tax** | | | | **{format_yen(q.gross_total)}** |",
        "",
    ]
    other = _other_plan(q)
    if other:
        out += [f"- {o}" for o in other] + [""]
    if q.warnings:
        out += ["## Warnings", ""] + [f"- {w}" for w in q.warnings] + [""]
    out += _terms(q)
    return "\n".join(out) + "\n"


FORMATS = ("markdown", "text")


def write_quote(q: Quote, values: Mapping[str, str | None], *, title: str, created: dt.datetime) -> Path:
    """Write the quote to `values["path"]` as `values["format"]` (markdown or text); returns the path."""
    fmt = choice(values, "format", FORMATS, default="markdown")
    raw = text(values, "path", required=True, max_len=1000)
    assert raw is not None
    path = Path(raw).expanduser()
    if path.is_dir():
        raise ValidationError(f"path: {path} is a folder; add a file name", field="path")
    body = quote_markdown(q, title=title, created=created) if fmt == "markdown" else quote_text(q, title=title, created=created)
    try:
        path.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"path: cannot write {path}: {exc.strerror or exc}", field="path") from None
    return path


# --- starting from a client --------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientQuoteForm:
    """A client's offices and contract options as the quote form's text."""

    client_id: int
    title: str
    """"C0001 株式会社まちかどベーカリー"."""
    rows: tuple[dict[str, str], ...]
    extras: tuple[OfficeExtras, ...]
    options: dict[str, str]
    places: dict[str, tuple[float, float]]
    """Each office's address → its coordinates on record (no geocoding needed)."""


def client_quote_form(session: Session, client_id: int, *, tariff: Tariff, today: dt.date) -> ClientQuoteForm:
    """The quote form filled from a client's offices, seats on record and seat-plan contract."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"client {client_id} no longer exists")
    inputs, options = client_quote_inputs(session, client_id, tariff=tariff, today=today)
    offices = sorted(client.offices, key=lambda o: o.id)
    rows: list[dict[str, str]] = []
    extras: list[OfficeExtras] = []
    places: dict[str, tuple[float, float]] = {}
    for office, given in zip(offices, inputs, strict=True):
        place = office.address.strip() or f"{office.lat}, {office.lon}"
        if places.get(place, (office.lat, office.lon)) != (office.lat, office.lon):
            place = f"{office.lat}, {office.lon}"
        places.setdefault(place, (office.lat, office.lon))
        rows.append({"name": office.name, "place": place, "pcs": str(given.pcs), "servers": str(given.servers)})
        extras.append(OfficeExtras(other_seats=given.other_seats, old_devices=given.old_devices))
    form = {
        "rounding": options.rounding or "half",
        "service_hours": " ".join(options.service_hours),
        "visits_per_month": "" if options.visits_per_month is None else str(options.visits_per_month),
        "response_hours": str(options.response_hours),
        "team_size": str(options.team_size),
        "visiting": options.visiting,
        "first_line_support": "yes" if options.first_line_support else "no",
        "low_it_literacy": "yes" if options.low_it_literacy else "no",
    }
    return ClientQuoteForm(client.id, f"{client.code} {client.name}", tuple(rows), tuple(extras), form, places)
