"""`concierge incident level`: the level, reason and fee of one incident from its contact records.

The same rules the app and the monthly close use (`data.pricing_adapter.PricingRules` over `pricing`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer

from data.billing_rules import IncidentFacts
from data.pricing_adapter import PricingRules
from tui.commands.common import echo, print_json

CONSULTING = ("specific", "general")
PLANS = ("annual", "monthly")


def _choice(value: str | None, options: tuple[str, ...], flag: str) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text not in options:
        raise typer.BadParameter(f"{echo(value)} is not one of {', '.join(options)}", param_hint=flag)
    return text


def level_json(level: str, reason: str, fee: Decimal) -> dict[str, Any]:
    """{"level": "feather" | 1..10, "reason": ..., "fee": whole yen}."""
    return {"level": level if level == "feather" else int(level), "reason": reason, "fee": int(fee)}


def level_text(level: str, reason: str, fee: Decimal, *, scope: str, plan: str, beyond_maximum: bool) -> str:
    name = "feather" if level == "feather" else f"level {level}"
    where = f"{plan} plan, {scope}" + (", beyond the monthly maximum" if beyond_maximum else "")
    return f"{name}: {reason}; fee ¥{int(fee):,} ({where})"


def register(app: typer.Typer) -> None:
    incident = typer.Typer(help="Incident support plans: level and fee of an incident.", no_args_is_help=True)
    app.add_typer(incident, name="incident")

    @incident.command("level")
    def level_cmd(
        mail_round_trips: Annotated[int, typer.Option("--mail-round-trips", min=0, help="Mail or DM round trips.")] = 0,
        reply_round_trips: Annotated[int, typer.Option("--reply-round-trips", min=0, help="Public reply round trips.")] = 0,
        call_minutes: Annotated[
            list[int] | None, typer.Option("--call-minutes", min=0, help="Minutes of one phone/voice call; repeat for each call.")
        ] = None,
        chat_minutes: Annotated[int, typer.Option("--chat-minutes", min=0, help="Text chat minutes.")] = 0,
        visits: Annotated[int, typer.Option("--visits", min=0, help="On-site visits.")] = 0,
        investigation: Annotated[bool, typer.Option("--investigation", help="Troubleshooting that needs investigation.")] = False,
        open_days: Annotated[int, typer.Option("--open-days", min=0, help="Days the incident has been open.")] = 0,
        consulting: Annotated[str | None, typer.Option("--consulting", help="Consulting request: specific or general.")] = None,
        scope: Annotated[str, typer.Option("--scope", help="normal, technical, highly_technical or mission_critical.")] = "normal",
        plan: Annotated[str, typer.Option("--plan", help="annual (fee per level) or monthly (extra fee from level 4).")] = "annual",
        urgent: Annotated[bool, typer.Option("--urgent", help="Urgent request (answering machine): raises the level.")] = False,
        beyond_maximum: Annotated[
            bool, typer.Option("--beyond-maximum", help="Monthly plan: the incident is beyond the month's maximum.")
        ] = False,
        tariff: Annotated[str, typer.Option("--tariff", help="Tariff: default or a TOML file.")] = "default",
        as_json: Annotated[bool, typer.Option("--json", help='Print {"level", "reason", "fee"} as JSON.')] = False,
    ) -> None:
        """Compute one incident's level (feather, 1-10) with the reason, and its fee."""
        kind = _choice(consulting, CONSULTING, "--consulting")
        billing = _choice(plan, PLANS, "--plan")
        assert billing is not None
        if beyond_maximum and billing != "monthly":
            raise typer.BadParameter("only monthly plans have a monthly maximum", param_hint="--beyond-maximum")
        rules = PricingRules.load(tariff)
        scope_name = _choice(scope, rules.scopes, "--scope")
        assert scope_name is not None
        facts = IncidentFacts(
            mail_round_trips=mail_round_trips, reply_round_trips=reply_round_trips, call_minutes=tuple(call_minutes or ()),
            chat_minutes=chat_minutes, onsite_visits=visits, investigation=investigation, urgent=urgent, consulting=kind,
            open_days=open_days,
        )
        level = rules.incident_level(facts, scope=scope_name)
        fee = rules.incident_fee(level.level, billing=billing, scope=scope_name, beyond_maximum=beyond_maximum)
        if as_json:
            print_json(level_json(level.level, level.reason, fee))
        else:
            typer.echo(level_text(level.level, level.reason, fee, scope=scope_name, plan=billing, beyond_maximum=beyond_maximum))
