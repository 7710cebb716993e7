"""Files the app writes on the admin's request (an invoice, a saved quote): the path field, checked first.

`output_path(text)` turns what was typed in a "File" field into a path that can be written, or raises a
`ValidationError(field="path")` whose one line says what is wrong (empty, a folder, a missing folder, a
folder that takes no new files, a file that cannot be overwritten). The same rules as the command line's
`--md`/`--csv` options (tui/commands/common.py), for a form.

`export_invoice(session, ref, fmt, path_text)` writes one invoice as `concierge billing export` does:
"md" (the 適格請求書 in Markdown) or "csv" (its lines, with a BOM for Excel).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from data.billing import get_invoice
from data.errors import DataError, ValidationError
from data.fields import shown
from data.invoice_export import invoice_document, write_invoice

INVOICE_FORMATS = ("md", "csv")
MAX_PATH = 1000


def output_path(text: str | None, field: str = "path") -> Path:
    """A writable file path from a form field (see the module docstring)."""
    raw = (text or "").strip()
    if not raw:
        raise ValidationError(f"{field}: type the file to write", field=field)
    if len(raw) > MAX_PATH or "\x00" in raw or any(ord(c) < 32 for c in raw):
        raise ValidationError(f"{field}: {shown(raw)} is not a file name", field=field)
    try:
        path = Path(raw).expanduser()
    except RuntimeError:
        raise ValidationError(f"{field}: {shown(raw)}: no such user's home folder", field=field) from None
    if path.is_dir():
        raise ValidationError(f"{field}: {shown(raw)} is a folder; add a file name", field=field)
    if path.exists() and not path.is_file():
        raise ValidationError(f"{field}: {shown(raw)} is not a regular file", field=field)
    folder = path.parent
    if not folder.is_dir():
        raise ValidationError(f"{field}: the folder {shown(str(folder))} does not exist", field=field)
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".concierge-probe-"):
            pass
    except OSError as exc:
        raise ValidationError(f"{field}: cannot write in {shown(str(folder))} ({exc.strerror})", field=field) from None
    if path.exists() and not os.access(path, os.W_OK):
        raise ValidationError(f"{field}: {shown(raw)} cannot be overwritten (permission denied)", field=field)
    return path


def export_invoice(session: Session, ref: str | int, fmt: str, path_text: str | None) -> Path:
    """Write invoice `ref` as `fmt` ("md" or "csv") to the typed path; returns the path written."""
    if fmt not in INVOICE_FORMATS:
        raise ValidationError(f"format: {shown(fmt)} is not md or csv", field="format")
    path = output_path(path_text)
    document = invoice_document(session, get_invoice(session, ref))
    try:
        write_invoice(document, path, kind=fmt)
    except DataError as exc:
        raise ValidationError(f"path: {exc}", field="path") from None
    return path
