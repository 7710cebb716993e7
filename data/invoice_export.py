"""An invoice as a document: JSON-ready dict, Markdown (適格請求書) and CSV of its lines.

The Markdown carries every field of a Japanese qualified invoice: issuer name and registration number
(T + 13 digits), issue date, the client, the lines with the tax rate each is subject to, the net subtotal
and the consumption tax per tax rate, and the total; plus due date and the bank account (bank transfer
only). Amounts come from the stored invoice; nothing is recomputed except the per-rate subtotals,
which are sums of the stored lines.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from data.errors import DataError
from data.locks import month_label
from data.models import Client, Contract, Invoice
from data.textfiles import spreadsheet_safe

CSV_COLUMNS = ("invoice", "position", "label", "basis", "quantity", "unit_price", "net", "tax_rate")


def _yen(value: Decimal | int) -> int:
    return int(Decimal(value))


def _quantity(value: Decimal) -> str:
    value = Decimal(value)
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value.normalize())


def _rate(value: Decimal) -> str:
    percent = (Decimal(value) * 100).normalize()
    return f"{percent:f}%"


def per_rate(invoice: Invoice) -> list[dict[str, Any]]:
    """Net subtotal and tax per tax rate. One rate: the stored tax; several: each rounded down once."""
    nets: dict[Decimal, Decimal] = {}
    for line in invoice.lines:
        rate = Decimal(line.tax_rate).normalize()
        nets[rate] = nets.get(rate, Decimal(0)) + Decimal(line.net)
    rows = []
    for rate, net in sorted(nets.items(), reverse=True):
        tax = Decimal(invoice.tax) if len(nets) == 1 else (net * rate).quantize(Decimal(1), rounding=ROUND_DOWN)
        rows.append({"rate": _rate(rate), "net": _yen(net), "tax": _yen(tax)})
    if not rows:
        rows.append({"rate": "10%", "net": 0, "tax": _yen(invoice.tax)})
    return rows


def invoice_document(session: Session, invoice: Invoice) -> dict[str, Any]:
    """The invoice as plain JSON-ready values (what `billing show --json` prints)."""
    contract = session.get(Contract, invoice.contract_id)
    client = session.get(Client, invoice.client_id)
    if contract is None or client is None:
        raise DataError(f"invoice {invoice.number} refers to a missing contract or client")
    issuer = invoice.issuer or {}
    return {
        "number": invoice.number,
        "month": month_label(invoice.month),
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "client": {"code": client.code, "name": client.name, "contact_person": client.contact_person},
        "contract": {"id": contract.id, "plan": contract.plan},
        "issuer": {
            "name": issuer.get("issuer_name"),
            "registration_number": issuer.get("issuer_registration_number"),
            "address": issuer.get("issuer_address"),
        },
        "payment": {"method": "bank_transfer", "bank_account": issuer.get("bank_account"), "due_date": invoice.due_date.isoformat()},
        "lines": [
            {
                "position": line.position, "label": line.label, "basis": line.basis, "quantity": _quantity(line.quantity),
                "unit_price": _yen(line.unit_price), "net": _yen(line.net), "tax_rate": _rate(line.tax_rate),
            }
            for line in invoice.lines
        ],
        "per_rate": per_rate(invoice),
        "net_total": _yen(invoice.net_total),
        "tax": _yen(invoice.tax),
        "gross_total": _yen(invoice.gross_total),
        "tariff_version": issuer.get("tariff_version"),
    }


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def invoice_markdown(document: dict[str, Any]) -> str:
    """A readable 適格請求書 in Markdown (also fine as plain text)."""
    year, month = document["month"].split("-")
    client, issuer, payment = document["client"], document["issuer"], document["payment"]
    out = [
        "# 請求書 (適格請求書)",
        "",
        f"請求書番号: {document['number']}  ",
        f"発行日: {document['issue_date']}  ",
        f"ご請求対象: {int(year)}年{int(month)}月分",
        "",
        f"**{client['name']} 御中** ({client['code']})",
        "",
        f"発行者: {issuer['name']}  ",
        f"登録番号: {issuer['registration_number']}  ",
        f"住所: {issuer['address']}",
        "",
        f"## ご請求金額 (税込): ¥{document['gross_total']:,}",
        "",
        "| # | 品目 | 内訳 | 数量 | 単価 (税抜) | 金額 (税抜) | 税率 |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for line in document["lines"]:
        out.append(
            f"| {line['position']} | {_cell(line['label'])} | {_cell(line['basis'])} | {line['quantity']} | "
            f"¥{line['unit_price']:,} | ¥{line['net']:,} | {line['tax_rate']} |"
        )
    out += ["", "| 税率区分 | 対象金額 (税抜) | 消費税額 |", "|---|---:|---:|"]
    for row in document["per_rate"]:
        out.append(f"| {row['rate']}対象 | ¥{row['net']:,} | ¥{row['tax']:,} |")
    out += [
        "",
        f"小計 (税抜): ¥{document['net_total']:,}  ",
        f"消費税: ¥{document['tax']:,} (税率ごとに1回、端数切り捨て)  ",
        f"**合計 (税込): ¥{document['gross_total']:,}**",
        "",
        f"お支払期限: {payment['due_date']}  ",
        f"お振込先: {payment['bank_account']}  ",
        "お支払いは銀行振込でお願いいたします。振込手数料はご負担ください。",
        "",
    ]
    return "\n".join(out)


def invoice_csv(document: dict[str, Any]) -> str:
    """The invoice's lines as CSV (header row; UTF-8; amounts in whole yen before tax)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in document["lines"]:  # text cells a spreadsheet would run as formulas get Excel's text mark
        writer.writerow([document["number"], *(line[c] if isinstance(line[c], int | float) else spreadsheet_safe(str(line[c]))
                                               for c in CSV_COLUMNS[1:])])
    return buffer.getvalue()


def write_invoice(document: dict[str, Any], path: Path, *, kind: str) -> None:
    """Write the Markdown ("md") or CSV ("csv", with a BOM for Excel) file."""
    try:
        if kind == "md":
            path.write_text(invoice_markdown(document), encoding="utf-8")
        elif kind == "csv":
            path.write_text(invoice_csv(document), encoding="utf-8-sig", newline="")
        else:
            raise DataError(f"export kind {kind!r} is not md or csv")
    except OSError as exc:
        raise DataError(f"{path}: cannot write ({exc.strerror or exc})") from exc
