"""`concierge billing close|list|show|export`: monthly invoices for both business models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from data.billing import close_month, get_invoice, list_invoices, parse_month, summarize
from data.clock import business_now, business_today
from data.incidents import fee_limit_notices
from data.invoice_export import invoice_document, invoice_markdown, write_invoice
from data.locks import check_month_closable, install_lock_guard, month_label
from tui.commands.common import DbOption, open_db, output_file, parse_date, print_json

MonthArg = Annotated[str, typer.Argument(help="Billing month, YYYY-MM.", show_default=False)]
InvoiceArg = Annotated[str, typer.Argument(help="Invoice number (INV-YYYYMM-NNNNN) or id.", show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _today(text: str | None) -> dt.date:
    return parse_date(text, "--today") if text else business_today()


def register(app: typer.Typer) -> None:
    billing = typer.Typer(help="Monthly invoices: close a month, list, show and export invoices.", no_args_is_help=True)
    app.add_typer(billing, name="billing")

    @billing.command("close")
    def close_cmd(
        month: MonthArg,
        db: DbOption = None,
        today: Annotated[str | None, typer.Option(help="Pretend today is YYYY-MM-DD.")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Invoice every billed contract for MONTH and lock the month (closing again changes nothing)."""
        day = _today(today)
        target = parse_month(month)
        database = open_db(db, "billing")
        install_lock_guard(database.sessions)
        now = dt.datetime.combine(day, business_now().time())
        with database.transaction() as session:
            check_month_closable(session, target)
            result = close_month(session, target, today=day, now=now)
        if as_json:
            print_json({
                "month": month_label(result.month), "already_closed": result.already_closed,
                "invoices": [
                    {"number": i.number, "client": i.client_code, "name": i.client_name, "plan": i.plan,
                     "net_total": int(i.net_total), "tax": int(i.tax), "gross_total": int(i.gross_total)}
                    for i in result.invoices
                ],
            })
            return
        for i in result.invoices:
            typer.echo(f"{i.number}  {i.client_code:<6} {i.client_name}  ¥{int(i.gross_total):,}")
        typer.echo(result.line())

    @billing.command("list")
    def list_cmd(
        db: DbOption = None,
        month: Annotated[str | None, typer.Option(help="Only this month (YYYY-MM).")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """List invoices (number, client, month, net, tax, total)."""
        target = parse_month(month) if month else None
        database = open_db(db, "billing")
        with database.transaction() as session:
            rows = []
            for invoice in list_invoices(session, month=target):
                s = summarize(invoice)
                rows.append({"number": s.number, "month": month_label(invoice.month), "client": s.client_code,
                             "name": s.client_name, "plan": s.plan, "net_total": int(s.net_total), "tax": int(s.tax),
                             "gross_total": int(s.gross_total), "issue_date": invoice.issue_date.isoformat(),
                             "due_date": invoice.due_date.isoformat()})
        if as_json:
            print_json(rows)
            return
        for r in rows:
            typer.echo(f"{r['number']}  {r['month']}  {r['client']:<6} {r['name']}  ¥{r['gross_total']:,} (due {r['due_date']})")
        typer.echo(f"{len(rows)} invoices")

    @billing.command("show")
    def show_cmd(invoice: InvoiceArg, db: DbOption = None, as_json: JsonOption = False) -> None:
        """Show one invoice with all qualified-invoice fields."""
        database = open_db(db, "billing")
        with database.transaction() as session:
            document = invoice_document(session, get_invoice(session, invoice))
        if as_json:
            print_json(document)
        else:
            typer.echo(invoice_markdown(document), nl=False)

    @billing.command("export")
    def export_cmd(
        invoice: InvoiceArg,
        db: DbOption = None,
        md: Annotated[Path | None, typer.Option("--md", help="Write the invoice as Markdown/text.", callback=output_file("--md"))] = None,
        csv: Annotated[Path | None, typer.Option("--csv", help="Write the invoice lines as CSV.", callback=output_file("--csv"))] = None,
    ) -> None:
        """Export an invoice as a Markdown document (--md FILE) and/or a CSV of its lines (--csv FILE)."""
        if md is None and csv is None:
            raise typer.BadParameter("give --md FILE or --csv FILE (or both)", param_hint="--md/--csv")
        database = open_db(db, "billing")
        with database.transaction() as session:
            document = invoice_document(session, get_invoice(session, invoice))
        for path, kind in ((md, "md"), (csv, "csv")):
            if path is not None:
                write_invoice(document, path, kind=kind)
                typer.echo(f"{document['number']}: {kind} written to {path}")

    @billing.command("notices")
    def notices_cmd(
        db: DbOption = None,
        month: Annotated[str | None, typer.Option(help="Incidents closed in this month (YYYY-MM); default: this month.")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Incidents whose fee reached its limit and wait for the client's answer: stop or continue?"""
        target = parse_month(month) if month else None
        database = open_db(db, "billing")
        with database.transaction() as session:
            notices = fee_limit_notices(session, month=target)
        rows = [{"incident": n.incident_id, "client": n.client_name, "person": n.person, "fee": int(n.fee),
                 "limit": int(n.limit), "message": n.message} for n in notices]
        if as_json:
            print_json(rows)
            return
        for r in rows:
            typer.echo(f"incident {r['incident']}  {r['client']}  ¥{r['fee']:,} > limit ¥{r['limit']:,}: {r['message']}")
        typer.echo(f"{len(rows)} incidents wait for the client's decision")
