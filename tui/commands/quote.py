"""`concierge quote`: a monthly seat-plan quote from flags, an offices file or a client in the database.

    concierge quote --pcs 30 --servers 1
    concierge quote --offices shops.json --visits-per-month 8 --json
    concierge quote --client C0003 --save

Prints a readable breakdown (rich tables) or `--json` (the quote value object, see docs/pricing.md).
Bad input exits 2 with one line naming the option or the file field.
"""

from __future__ import annotations

import dataclasses
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from data.clock import business_today
from data.offices_file import COUNT_MAX, read_offices
from pricing.conditions import SERVICE_HOURS, VISITING
from pricing.errors import PricingError
from pricing.money import format_yen
from pricing.quote import COMPARE, PER_CLUSTER, TWO_TIER, OfficeInput, Quote, QuoteOptions, quote
from pricing.tariff import ROUNDINGS, Tariff, load_tariff
from tui.commands.common import DbOption, check_input_file, echo, input_file, open_db, parse_date, print_json
from tui.text import clean, plain, styled

TARIFF_ENV = "CONCIERGE_TARIFF"
DEFAULT_LAT, DEFAULT_LON = 35.6812, 139.7671
"""Where a one-office quote from flags is placed when no --lat/--lon is given (Tokyo, Marunouchi)."""

def _bad(hint: str, message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=hint)


def _service_hours(values: list[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    hours: list[str] = []
    for value in values:
        for word in value.replace(",", " ").split():
            key = word.strip().lower().replace("-", "_")
            if key not in SERVICE_HOURS:
                raise _bad("--service-hours", f"{echo(word)} is not one of {', '.join(SERVICE_HOURS)}")
            hours.append(key)
    return tuple(hours)


def _choice(value: str | None, options: tuple[str, ...], hint: str) -> str | None:
    if value is None:
        return None
    key = value.strip().lower().replace("-", "_")
    if key not in options:
        raise _bad(hint, f"{echo(value)} is not one of {', '.join(options)}")
    return key


def _non_negative(value: int | None, hint: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    if value is not None and value < minimum:
        raise _bad(hint, f"must be at least {minimum}, got {value}")
    if value is not None and maximum is not None and value > maximum:
        raise _bad(hint, f"must be at most {maximum:,}, got {value}")
    return value


def _rows(quote_: Quote, lines_table: Table) -> None:
    for line in quote_.lines:
        lines_table.add_row(
            plain(line.label),
            plain(line.basis),
            f"{line.quantity.normalize():f}",
            format_yen(line.unit_price),
            format_yen(line.net),
        )


def render(quote_: Quote, console: Console) -> None:
    """The readable breakdown: lines, totals, plan comparison, clusters, warnings and contract terms."""
    plan_title = "per-cluster plan" if quote_.recommended == PER_CLUSTER else "two-tier plan (base + spot)"
    rate = f"{quote_.tax_rate_pct.normalize():f}%"
    table = Table(title=plain(f"Monthly quote — {plan_title} (tariff {quote_.tariff_version}, {quote_.rounding} rounding)"), show_lines=False)
    table.add_column("Line")
    table.add_column("Basis", overflow="fold")
    table.add_column("Qty", justify="right")
    table.add_column("Unit price", justify="right")
    table.add_column("Net", justify="right")
    _rows(quote_, table)
    table.add_section()
    table.add_row("Net total", "", "", "", format_yen(quote_.net_total))
    table.add_row(f"Consumption tax {rate}", "once on the net total, rounded down", "", "", format_yen(quote_.tax))
    table.add_row("[bold]Monthly total (tax incl.)[/bold]", "", "", "", f"[bold]{format_yen(quote_.gross_total)}[/bold]")
    if quote_.recommended == TWO_TIER:
        two = quote_.plans[TWO_TIER]
        table.add_row("Spot fee per visit", f"{format_yen(two.spot_fee_net)} net", "", "", f"{format_yen(two.spot_fee_gross)} incl. tax")
    console.print(table)
    if len(quote_.plans) > 1:
        plans = Table(title="Plans compared")
        for column in ("Plan", "Monthly (tax incl.)", "Per visit", "Visits/month", "Expected monthly"):
            plans.add_column(column, justify="left" if column == "Plan" else "right")
        for name, plan in quote_.plans.items():
            mark = " ← recommended" if name == quote_.recommended else ""
            per_visit = format_yen(plan.spot_fee_gross) if name == TWO_TIER else "included"
            visits = f"{plan.expected_visits}{' (est.)' if plan.visits_estimated else ''}"
            plans.add_row(f"{name}{mark}", format_yen(plan.gross_total), per_visit, visits, format_yen(plan.expected_gross_total))
        console.print(plans)
    clusters = Table(title=f"Office clusters (offices within {quote_.cluster_km.normalize():f} km share a concierge)")
    for column in ("#", "Offices", "Span km", "PCs", "Servers", "Units"):
        clusters.add_column(column, justify="left" if column == "Offices" else "right")
    for cluster in quote_.clusters[:50]:
        names = ", ".join(cluster.office_names[:6]) + (f" +{len(cluster.office_names) - 6} more" if len(cluster.office_names) > 6 else "")
        units = f"{cluster.seats.units.normalize():f}" if cluster.priced else "—"
        clusters.add_row(str(cluster.number), plain(names), f"{cluster.span_km}", str(cluster.seats.pcs), str(cluster.seats.servers), units)
    if len(quote_.clusters) > 50:
        clusters.add_row("…", f"{len(quote_.clusters) - 50} more clusters (see --json)", "", "", "", "")
    console.print(clusters)
    for warning in quote_.warnings:
        console.print(styled(("Warning:", "yellow"), f" {warning}"), highlight=False)
    for note in quote_.notes:
        console.print(plain(f"Note: {note}"), highlight=False)
    if quote_.terms is not None:
        t = quote_.terms
        start_note = f" (mid-month start: full month charged; or start {t.next_month_start.isoformat()})" if t.mid_month_start else ""
        console.print(
            f"Contract: start {t.start.isoformat()}, first billable month {t.first_billable_month.strftime('%Y-%m')}{start_note}; "
            f"minimum {t.minimum_months} months → earliest end {t.earliest_end_date.isoformat()} "
            f"(notice by {t.notice_deadline.isoformat()}); annual prepayment possible, no discount "
            f"({format_yen(quote_.gross_total * 12)} a year).",
            highlight=False,
        )


def _load_tariff(path: str | None) -> Tariff:
    if not path:
        return load_tariff(None)
    return load_tariff(check_input_file(Path(path), "--tariff"))


def register(app: typer.Typer) -> None:
    @app.command("quote")
    def quote_cmd(
        pcs: Annotated[int | None, typer.Option("--pcs", help="Windows client PCs of a one-office client.", show_default=False)] = None,
        servers: Annotated[int | None, typer.Option("--servers", help="Windows servers of a one-office client.", show_default=False)] = None,
        other_seats: Annotated[
            int | None, typer.Option("--other-seats", help="PCs/servers on other OS (flagged as out of scope).", show_default=False)
        ] = None,
        old_devices: Annotated[
            int | None, typer.Option("--old-devices", help="Devices older than the tariff's age (surcharge).", show_default=False)
        ] = None,
        name: Annotated[str, typer.Option("--name", help="Office name of a one-office quote.")] = "Office",
        lat: Annotated[float | None, typer.Option("--lat", help="Latitude of the one office.", show_default=False)] = None,
        lon: Annotated[float | None, typer.Option("--lon", help="Longitude of the one office.", show_default=False)] = None,
        offices_file: Annotated[
            Path | None,
            typer.Option(
                "--offices", help='JSON {"offices": [...]} or CSV with name, lat, lon (or address), pcs, servers, other_seats.',
                callback=input_file("--offices"),
            ),
        ] = None,
        encoding: Annotated[str, typer.Option(help="Encoding of the --offices file: utf-8 (BOM optional) or cp932 (Shift_JIS).")] = "utf-8",
        client: Annotated[str | None, typer.Option("--client", help="Client id or code: quote its seats on record.", show_default=False)] = None,
        db: DbOption = None,
        save: Annotated[bool, typer.Option("--save", help="Store the quote in the database (Quote table).")] = False,
        rounding: Annotated[str | None, typer.Option("--rounding", help="Unit rounding: half (default) or whole_after.", show_default=False)] = None,
        tolerance: Annotated[
            int | None, typer.Option("--tolerance", help="whole_after: PCs tolerated past the next multiple of 10.", show_default=False)
        ] = None,
        visits_per_month: Annotated[
            int | None,
            typer.Option("--visits-per-month", help="Expected visits a month for the two-tier comparison (default: estimated).", show_default=False),
        ] = None,
        cluster_km: Annotated[
            float | None, typer.Option("--cluster-km", help="Offices within this distance share a concierge (tariff default 5).", show_default=False)
        ] = None,
        service_hours: Annotated[
            list[str] | None, typer.Option("--service-hours", help="Extra coverage: evening, saturday, sunday_holiday.", show_default=False)
        ] = None,
        response_hours: Annotated[
            int | None, typer.Option("--response-hours", help="Guaranteed response time in hours (standard aim 24).", show_default=False)
        ] = None,
        team_size: Annotated[int | None, typer.Option("--team-size", help="Concierges responding as a team.", show_default=False)] = None,
        visiting: Annotated[str | None, typer.Option("--visiting", help="on_site, trouble_only or remote_only.", show_default=False)] = None,
        first_line_support: Annotated[
            bool | None, typer.Option("--first-line-support/--no-first-line-support", help="The client has its own first-line support person.")
        ] = None,
        low_it_literacy: Annotated[bool | None, typer.Option("--low-it-literacy/--no-low-it-literacy", help="Low IT literacy (more visits).")] = None,
        two_tier: Annotated[str | None, typer.Option("--two-tier", help="Price the two-tier plan: auto (many clusters), always, never.")] = None,
        tariff_file: Annotated[str | None, typer.Option("--tariff", envvar=TARIFF_ENV, help="Tariff TOML file (default: shipped tariff).")] = None,
        start: Annotated[str | None, typer.Option("--start", help="Contract start YYYY-MM-DD for the contract terms (default today).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the quote as JSON.")] = False,
    ) -> None:
        """Quote the monthly fee of the seat plan (per-cluster and two-tier plans, recommended one first)."""
        flags_given = any(v is not None for v in (pcs, servers, other_seats, old_devices, lat, lon))
        sources = [flag for flag, given in (("--pcs/--servers", flags_given), ("--offices", offices_file is not None), ("--client", client)) if given]
        if len(sources) != 1:
            what = "give --pcs/--servers, --offices FILE or --client ID" if not sources else f"use only one of {', '.join(sources)}"
            raise PricingError(f"offices: {what}")
        for value, hint in ((pcs, "--pcs"), (servers, "--servers"), (other_seats, "--other-seats"), (old_devices, "--old-devices")):
            _non_negative(value, hint, maximum=COUNT_MAX)
        _non_negative(tolerance, "--tolerance")
        _non_negative(visits_per_month, "--visits-per-month")
        _non_negative(response_hours, "--response-hours", minimum=1)
        _non_negative(team_size, "--team-size", minimum=1)
        if cluster_km is not None and not cluster_km >= 0:
            raise _bad("--cluster-km", f"must be at least 0, got {cluster_km}")
        explicit: dict[str, Any] = {
            "rounding": _choice(rounding, ROUNDINGS, "--rounding"),
            "tolerance_pcs": tolerance,
            "visits_per_month": visits_per_month,
            "cluster_km": None if cluster_km is None else Decimal(str(cluster_km)),
            "service_hours": _service_hours(service_hours),
            "response_hours": response_hours,
            "team_size": team_size,
            "visiting": _choice(visiting, tuple(VISITING), "--visiting"),
            "first_line_support": first_line_support,
            "low_it_literacy": low_it_literacy,
            "compare_two_tier": _choice(two_tier, COMPARE, "--two-tier"),
        }
        overrides = {key: value for key, value in explicit.items() if value is not None}
        contract_start = parse_date(start, "--start") if start else business_today()
        tariff = _load_tariff(tariff_file)

        database = open_db(db, "quote") if (client or save) else None
        client_id: int | None = None
        warnings: list[str] = []
        if client is not None:
            assert database is not None
            from data.quotes import client_quote_inputs  # the database layer only when a client is asked for
            from data.records import client_by_ref

            with database.transaction() as session:
                client_id = client_by_ref(session, client, "--client").id
                offices, options = client_quote_inputs(session, client_id, tariff=tariff, today=contract_start)
        elif offices_file is not None:
            from data.records import default_geocoder

            read = read_offices(offices_file, default_geocoder(), encoding=encoding)
            offices, options, warnings = read.offices, QuoteOptions(), read.warnings
        else:
            office_lat = DEFAULT_LAT if lat is None else lat
            office_lon = DEFAULT_LON if lon is None else lon
            offices = [
                OfficeInput(
                    name=name,
                    lat=office_lat,
                    lon=office_lon,
                    pcs=pcs or 0,
                    servers=servers or 0,
                    other_seats=other_seats or 0,
                    old_devices=old_devices or 0,
                )
            ]
            options = QuoteOptions()
        options = dataclasses.replace(options, start=contract_start, **overrides)
        result = quote(offices, options, tariff)
        for warning in warnings:  # only once the quote stands: a refusal stays one line
            typer.echo(f"concierge: warning: {clean(warning)}", err=True)

        saved_id: int | None = None
        if save:
            assert database is not None
            from data.quotes import save_quote

            with database.transaction() as session:
                saved_id = save_quote(session, result, client_id).id
        if as_json:
            body = result.to_json()
            if saved_id is not None:
                body["saved_quote_id"] = saved_id
            print_json(body)
            return
        console = Console(width=None if sys.stdout.isatty() else 120, highlight=False)
        render(result, console)
        if saved_id is not None:
            console.print(f"Saved as quote {saved_id}.")
