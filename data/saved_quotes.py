"""Saved quotes (`concierge quote --save`, Ctrl+S on the quote screen): list, open, export.

A saved quote is shown and exported exactly as it was stored (its JSON body, priced with the tariff of
that day), never priced again: a tariff change must not rewrite what a client was offered.

- `saved_quote_rows(session, client_id=None)`: list rows, newest first.
- `saved_quote(session, quote_id)`: one quote's heading and body.
- `saved_quote_markdown/text(saved)`: the documents; `export_saved_quote(session, id, fmt, path)` writes
  one as Markdown, plain text or JSON (the stored body, as `concierge quote --json` prints it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from data.errors import NotFoundError, ValidationError
from data.export_files import output_path
from data.fields import shown
from data.models import Client
from data.models import Quote as QuoteRow
from data.quote_form import PLAN_NAMES
from data.quotes import list_quotes

QUOTE_FORMATS = ("markdown", "text", "json")
SHORT_PLAN_NAMES = {"per_cluster": "per cluster", "two_tier": "two-tier + visits"}
SUFFIXES = {"markdown": ".md", "text": ".txt", "json": ".json"}


@dataclass(frozen=True)
class SavedQuoteRow:
    id: int
    created_at: dt.datetime
    client_id: int | None
    client_code: str
    client_name: str
    recommended: str
    gross_total: int
    tariff_version: str

    @property
    def plan_words(self) -> str:
        """The recommended plan in a few words (the document says it in full)."""
        return SHORT_PLAN_NAMES.get(self.recommended, self.recommended.replace("_", " "))


@dataclass(frozen=True)
class SavedQuote:
    row: SavedQuoteRow
    body: dict[str, Any]

    @property
    def title(self) -> str:
        who = f"{self.row.client_name} ({self.row.client_code})" if self.row.client_code else "a new client"
        return f"Quote #{self.row.id} for {who}"


def _row(session: Session, q: QuoteRow) -> SavedQuoteRow:
    client = session.get(Client, q.client_id) if q.client_id is not None else None
    return SavedQuoteRow(
        id=q.id, created_at=q.created_at, client_id=q.client_id, client_code=client.code if client else "",
        client_name=client.name if client else "", recommended=q.recommended, gross_total=int(q.gross_total),
        tariff_version=q.tariff_version,
    )


def saved_quote_rows(session: Session, client_id: int | None = None) -> list[SavedQuoteRow]:
    return [_row(session, q) for q in list_quotes(session, client_id)]


def saved_quote(session: Session, quote_id: int) -> SavedQuote:
    q = session.get(QuoteRow, quote_id)
    if q is None:
        raise NotFoundError(f"quote #{quote_id} does not exist (it may have been deleted)")
    return SavedQuote(_row(session, q), dict(q.body or {}))


# --- documents ----------------------------------------------------------------------------------------


def _yen(value: Any) -> str:
    try:
        return f"¥{int(value):,}"
    except (TypeError, ValueError):
        return "¥?"


def _qty(value: Any) -> str:
    text = f"{value}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _summary(body: dict[str, Any]) -> str:
    plan = str(body.get("recommended", ""))
    spot = ""
    if body.get("spot_fee_gross"):
        spot = f" + {_yen(body['spot_fee_gross'])} per visit incl. tax"
    return (f"{_yen(body.get('gross_total'))} a month incl. tax (net {_yen(body.get('net_total'))} + tax "
            f"{_yen(body.get('tax'))}){spot}, {PLAN_NAMES.get(plan, plan)}")


def _clusters(body: dict[str, Any]) -> list[str]:
    out = []
    for c in body.get("clusters") or []:
        units = f"{_qty(c.get('units'))} units" if c.get("priced") else "not priced (no in-scope PCs)"
        out.append(f"Cluster {c.get('number')}: {', '.join(str(o) for o in c.get('offices') or [])} — "
                   f"{c.get('pcs')} PCs, {c.get('servers')} servers, {units}, span {_qty(c.get('span_km'))} km")
    return out


def _lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in body.get("lines") or [] if isinstance(line, dict)]


def _terms(body: dict[str, Any]) -> list[str]:
    terms = body.get("contract_terms") or {}
    if not terms.get("first_billable_month"):
        return []
    return [f"Contract: first billed month {terms.get('first_billable_month')}; earliest end {terms.get('earliest_end_date')} "
            f"(notice by {terms.get('cancellation_notice_by')})."]


def _heading(saved: SavedQuote) -> str:
    return f"Saved {saved.row.created_at:%Y-%m-%d %H:%M} · Tariff: {saved.row.tariff_version}"


def saved_quote_markdown(saved: SavedQuote) -> str:
    body = saved.body
    out = [f"# {saved.title}", "", _heading(saved), "", f"**{_summary(body)}**", "", "## Offices", ""]
    out += [f"- {c}" for c in _clusters(body)]
    out += ["", "## Monthly fee", "", "| Line | Basis | Qty | Unit price | Net |", "|---|---|---:|---:|---:|"]
    for line in _lines(body):
        cells = [str(line.get(k, "")).replace("|", "/").replace("\n", " ") for k in ("label", "basis")]
        out.append(f"| {cells[0]} | {cells[1]} | {_qty(line.get('quantity'))} | {_yen(line.get('unit_price'))} | {_yen(line.get('net'))} |")
    out += [
        f"| **Net** | | | | **{_yen(body.get('net_total'))}** |",
        f"| Consumption tax {_qty(body.get('tax_rate_pct'))}% | rounded down once | | | {_yen(body.get('tax'))} |",
        f"| **Total incl. tax** | | | | **{_yen(body.get('gross_total'))}** |",
        "",
    ]
    warnings = [str(w) for w in body.get("warnings") or []]
    if warnings:
        out += ["## Warnings", ""] + [f"- {w}" for w in warnings] + [""]
    out += _terms(body)
    return "\n".join(out) + "\n"


def saved_quote_text(saved: SavedQuote) -> str:
    body = saved.body
    lines = _lines(body)
    width = max([len(str(line.get("label", ""))) for line in lines] + [len("Consumption tax 10%"), len("Total incl. tax")])
    out = [saved.title, "=" * len(saved.title), _heading(saved), "", _summary(body), ""]
    out += _clusters(body)
    out.append("")
    for line in lines:
        out.append(f"{line.get('label', '')!s:<{width}}  {_qty(line.get('quantity')):>6} × {_yen(line.get('unit_price')):>9}  "
                   f"{_yen(line.get('net')):>10}")
        out.append(f"{'':<{width}}  {line.get('basis', '')}")
    tax_label = f"Consumption tax {_qty(body.get('tax_rate_pct'))}%"
    out += [
        f"{'Net':<{width}}  {'':>18}  {_yen(body.get('net_total')):>10}",
        f"{tax_label:<{width}}  {'':>18}  {_yen(body.get('tax')):>10}",
        f"{'Total incl. tax':<{width}}  {'':>18}  {_yen(body.get('gross_total')):>10}",
        "",
    ]
    out += [f"Warning: {w}" for w in body.get("warnings") or []]
    out += _terms(body)
    return "\n".join(out) + "\n"


def export_saved_quote(session: Session, quote_id: int, fmt: str, path_text: str | None) -> Path:
    """Write saved quote `quote_id` as markdown, text or json to the typed path; returns the path."""
    if fmt not in QUOTE_FORMATS:
        raise ValidationError(f"format: {shown(fmt)} is not markdown, text or json", field="format")
    path = output_path(path_text)
    saved = saved_quote(session, quote_id)
    if fmt == "markdown":
        data = saved_quote_markdown(saved)
    elif fmt == "text":
        data = saved_quote_text(saved)
    else:
        data = json.dumps({**saved.body, "saved_quote_id": saved.row.id}, ensure_ascii=False, indent=2) + "\n"
    try:
        path.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"path: cannot write {shown(str(path))}: {exc.strerror or exc}", field="path") from None
    return path
