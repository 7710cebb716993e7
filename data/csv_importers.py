"""The importers behind `data.csvio.import_csv`, one per kind.

Each reads the stored records it needs once, as plain rows (no ORM objects: 10,000 are read in a blink),
checks every CSV row in memory with `data.records.check_*`, and then writes in bulk: new records with one
executemany INSERT; stored records are compared as exported rows first, and only the changed ones are
updated, with one executemany UPDATE guarded by the version each was read at.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, inspect, select, update
from sqlalchemy.orm import Session

from data.csv_rows import export_row
from data.errors import ConflictError, ValidationError
from data.fields import shown
from data.models import Client, Concierge, Office, Seat
from data.records import (
    GeocodeFn,
    apply_client,
    apply_concierge,
    apply_office,
    apply_seat,
    check_client,
    check_concierge,
    check_office,
    check_seat,
    set_dedicated,
)


@dataclass(frozen=True)
class Counts:
    """What an import wrote."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Staged:
    """A checked row: its key, the stored record's columns (None: a new record), its fields and reference."""

    key: str
    stored: dict[str, Any] | None
    fields: Any
    ref: Any
    """What the row points at: a client id (offices), an office id (seats), client ids (dedicated clients)."""


class Importer:
    """One kind's import: stored records read once as plain rows; each row checked in memory; then
    new records inserted with one executemany INSERT, stored ones compared as exported rows, and only
    the changed ones loaded as ORM rows and updated (version checked)."""

    kind = ""
    model: Any = None
    prefix = ""

    def __init__(self, session: Session, geocoder: GeocodeFn | None) -> None:
        self.session = session
        self.geocoder = geocoder
        self.existing: dict[str, dict[str, Any]] = {}
        self.staged: list[Staged] = []
        self.codes: Iterator[str] = iter(())

    @functools.cached_property
    def columns(self) -> frozenset[str]:
        return frozenset(c.key for c in inspect(self.model).column_attrs)

    def rows(self, model: Any) -> list[dict[str, Any]]:
        """Every stored record of `model` as a dict of its columns (no ORM objects: 10,000 are read in a blink)."""
        return [dict(r) for r in self.session.execute(select(model.__table__)).mappings()]

    def key(self, row: Mapping[str, str]) -> str:
        return (row.get("code") or "").strip()

    def load(self) -> None:
        """Read the stored records (and what rows refer to) by key."""
        raise NotImplementedError

    def check(self, row: Mapping[str, str]) -> tuple[str, Any, Any]:
        """(key, checked fields, reference) of one row; ValidationError names the field."""
        raise NotImplementedError

    def apply(self, target: Any, f: Any, ref: Any) -> None:
        """Write `f` onto `target`: a stand-in namespace of a stored or a new record."""
        raise NotImplementedError

    def stand_in(self, stored: dict[str, Any]) -> SimpleNamespace:
        """A stored record as a namespace with the references its exported row reads."""
        return SimpleNamespace(**stored)

    def stage(self, row: Mapping[str, str]) -> None:
        key, f, ref = self.check(row)
        if hasattr(f, "code"):  # an empty code cell got the next free code: that is the code written
            f = replace(f, code=key)
        self.staged.append(Staged(key, self.existing.get(key), f, ref))

    def write(self) -> Counts:
        """Insert the new records; update the changed stored ones; count what happened."""
        new = [s for s in self.staged if s.stored is None]
        if new:
            self.session.execute(insert(self.model), [self.new_values(s) for s in new])
        unchanged = 0
        changed: list[tuple[Staged, SimpleNamespace]] = []
        for staged in self.staged:
            if staged.stored is None:
                continue
            candidate = self.stand_in(staged.stored)
            self.apply(candidate, staged.fields, staged.ref)
            if export_row(self.kind, candidate) == export_row(self.kind, self.stand_in(staged.stored)):
                unchanged += 1
            else:
                changed.append((staged, candidate))
        if changed:
            self.update(changed)
        self.after_insert(new)
        self.link([s for s, _ in changed])
        return Counts(created=len(new), updated=len(changed), unchanged=unchanged)

    def update(self, changed: list[tuple[Staged, SimpleNamespace]]) -> None:
        """One executemany UPDATE of the changed records, each guarded by the version it was read at.

        The rows matched must add up to the rows sent: a record someone else changed (or deleted) since
        it was read makes the whole import a conflict, and the caller's transaction writes nothing.
        """
        table = self.model.__table__
        columns = sorted(self.columns - {"id", "version"})
        statement = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(f"_{c}") for c in columns})
        versioned = "version" in self.columns
        if versioned:
            statement = statement.where(table.c.version == bindparam("_version")).values(version=table.c.version + 1)
        params = [
            {"_id": staged.stored["id"], **({"_version": staged.stored["version"]} if versioned else {}),
             **{f"_{c}": getattr(candidate, c) for c in columns}}
            for staged, candidate in changed if staged.stored is not None
        ]
        matched = self.session.execute(statement, params).rowcount  # type: ignore[attr-defined]
        if matched != len(params):
            raise ConflictError(
                f"{len(params) - matched} of the {self.kind} in the file were changed by someone else during the import; "
                "nothing was imported: import the file again"
            )

    def link(self, changed: list[Staged]) -> None:
        """Relationships changed stored records need beyond their columns (dedicated clients)."""

    def new_values(self, staged: Staged) -> dict[str, Any]:
        """Column values of a new record (its version starts at 1)."""
        row = SimpleNamespace(geocode_precision=None)
        self.apply(row, staged.fields, staged.ref)
        values = {k: v for k, v in vars(row).items() if k in self.columns}
        if "version" in self.columns:
            values["version"] = 1
        return values

    def after_insert(self, new: list[Staged]) -> None:
        """Links that need the new records' ids (dedicated clients of new concierges)."""


def _free_codes(prefix: str, used: set[str], count: int) -> Iterator[str]:
    """C0042, C0043… skipping codes already used (for rows whose code cell is empty)."""
    number = count
    while True:
        number += 1
        code = f"{prefix}{number:04d}"
        if code not in used:
            used.add(code)
            yield code


def _refs(rows: list[dict[str, Any]]) -> dict[int, SimpleNamespace]:
    """id → a stand-in with the record's id and code (what an exported row names it by)."""
    return {r["id"]: SimpleNamespace(id=r["id"], code=r["code"]) for r in rows}


class _Clients(Importer):
    kind, model = "clients", Client

    def load(self) -> None:
        self.existing = {r["code"]: r for r in self.rows(Client)}
        self.codes = _free_codes("C", set(self.existing), len(self.existing))

    def check(self, row: Mapping[str, str]) -> tuple[str, Any, Any]:
        f = check_client(row)
        return f.code or next(self.codes), f, None

    def apply(self, target: Any, f: Any, ref: Any) -> None:
        apply_client(target, f)


class _Offices(Importer):
    kind, model = "offices", Office

    def load(self) -> None:
        clients = self.rows(Client)
        self.client_ids = {r["code"]: r["id"] for r in clients}
        self.clients = _refs(clients)
        self.existing = {r["code"]: r for r in self.rows(Office)}
        self.codes = _free_codes("O", set(self.existing), len(self.existing))

    def check(self, row: Mapping[str, str]) -> tuple[str, Any, Any]:
        f = check_office(row, self.geocoder)
        client_id = self.client_ids.get(f.client_code or "")
        if client_id is None:
            raise ValidationError(f"client: unknown client {shown(f.client_code)}", field="client")
        return f.code or next(self.codes), f, client_id

    def stand_in(self, stored: dict[str, Any]) -> SimpleNamespace:
        return SimpleNamespace(**stored, client=self.clients[stored["client_id"]])

    def apply(self, target: Any, f: Any, ref: Any) -> None:
        client: Any = self.clients[ref]
        apply_office(target, f, client)
        target.client_id = ref


class _Seats(Importer):
    kind, model = "seats", Seat

    def key(self, row: Mapping[str, str]) -> str:
        return f"{(row.get('office') or '').strip()} / {(row.get('label') or '').strip()}"

    def load(self) -> None:
        offices = self.rows(Office)
        self.office_ids = {r["code"]: r["id"] for r in offices}
        self.offices = _refs(offices)
        self.existing = {f"{self.offices[r['office_id']].code} / {r['label']}": r for r in self.rows(Seat)}

    def check(self, row: Mapping[str, str]) -> tuple[str, Any, Any]:
        f = check_seat(row)
        office_id = self.office_ids.get(f.office_code or "")
        if office_id is None:
            raise ValidationError(f"office: unknown office {shown(f.office_code)}", field="office")
        return f"{f.office_code} / {f.label}", f, office_id

    def stand_in(self, stored: dict[str, Any]) -> SimpleNamespace:
        return SimpleNamespace(**stored, office=self.offices[stored["office_id"]])

    def apply(self, target: Any, f: Any, ref: Any) -> None:
        office: Any = self.offices[ref]
        apply_seat(target, f, office)
        target.office_id = ref


class _Concierges(Importer):
    kind, model = "concierges", Concierge

    def load(self) -> None:
        clients = self.rows(Client)
        self.client_ids = {r["code"]: r["id"] for r in clients}
        self.clients = _refs(clients)
        self.dedicated_of: dict[int, list[SimpleNamespace]] = {}
        for r in clients:
            if r["dedicated_concierge_id"] is not None:
                self.dedicated_of.setdefault(r["dedicated_concierge_id"], []).append(self.clients[r["id"]])
        self.existing = {r["code"]: r for r in self.rows(Concierge)}
        self.codes = _free_codes("K", set(self.existing), len(self.existing))

    def check(self, row: Mapping[str, str]) -> tuple[str, Any, Any]:
        f = check_concierge(row, self.geocoder)
        dedicated: list[int] | None = None
        if f.dedicated_codes is not None:
            dedicated = []
            for client_code in f.dedicated_codes:
                if client_code not in self.client_ids:
                    raise ValidationError(f"dedicated_clients: unknown client {shown(client_code)}", field="dedicated_clients")
                dedicated.append(self.client_ids[client_code])
        return f.code or next(self.codes), f, dedicated

    def stand_in(self, stored: dict[str, Any]) -> SimpleNamespace:
        return SimpleNamespace(**stored, dedicated_clients=self.dedicated_of.get(stored["id"], []))

    def apply(self, target: Any, f: Any, ref: Any) -> None:
        apply_concierge(target, f)
        if ref is not None:
            target.dedicated_clients = [self.clients[i] for i in ref]

    def link(self, changed: list[Staged]) -> None:
        linked = [s for s in changed if s.ref is not None and s.stored is not None]
        for staged in linked:
            assert staged.stored is not None
            concierge = self.session.get_one(Concierge, staged.stored["id"])
            set_dedicated(concierge, [self.session.get_one(Client, i) for i in staged.ref])

    def after_insert(self, new: list[Staged]) -> None:
        linked = [s for s in new if s.ref]
        if not linked:
            return
        created = {k.code: k for k in self.session.scalars(select(Concierge).where(Concierge.code.in_([s.key for s in linked])))}
        for staged in linked:
            set_dedicated(created[staged.key], [self.session.get_one(Client, i) for i in staged.ref])


IMPORTERS: dict[str, type[Importer]] = {"clients": _Clients, "offices": _Offices, "seats": _Seats, "concierges": _Concierges}
