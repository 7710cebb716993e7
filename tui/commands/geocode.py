"""`concierge geocode ADDRESS [--json] [--online]`: where an address is, from the offline gazetteer."""

from __future__ import annotations

from typing import Annotated

import typer

from data.geocode import geocode
from tui.commands.common import print_json


def register(app: typer.Typer) -> None:
    @app.command("geocode")
    def geocode_cmd(
        address: Annotated[str, typer.Argument(help="Japanese address and/or postal code (〒150-0043, 1500043).", show_default=False)],
        as_json: Annotated[
            bool, typer.Option("--json", help="Print JSON: lat, lon, precision, normalized, prefecture, municipality, town (+ warning).")
        ] = False,
        online: Annotated[
            bool | None,
            typer.Option(
                "--online/--offline",
                help="Ask Nominatim (online) when the gazetteer stops above town level. Default: $CONCIERGE_GEOCODER=nominatim.",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Resolve ADDRESS to latitude/longitude with the precision reached (town, municipality or prefecture)."""
        result = geocode(address, online=online)
        if as_json:
            print_json(result.as_dict())
            return
        print(result.normalized)
        print(f"{result.lat:.6f}, {result.lon:.6f}  precision: {result.precision}")
        if result.warning:
            print(f"warning: {result.warning}")
