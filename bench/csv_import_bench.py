"""CSV import speed: 10,000 clients, 10,000 offices (with coordinates) and 10,000 seat lines into a fresh database.

    .venv/bin/python bench/csv_import_bench.py                  # SQLite file in a temp folder
    .venv/bin/python bench/csv_import_bench.py --rows 20000
    .venv/bin/python bench/csv_import_bench.py --db postgresql+psycopg://postgres@127.0.0.1:55433/bench

Each kind is imported the way `concierge import KIND FILE` does it (one transaction, all rows or none),
then the same file again (every row unchanged: the re-import path), then a file with one bad row at the end
(refused, nothing written), then a file changing every row (the update path). Target (issue 13): 10,000
rows in at most 3 s. Prints wall and CPU seconds per step and the load average, as bench/README.md asks.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

from data.csvio import CsvError, import_csv
from data.db import open_database


def write_files(folder: Path, rows: int) -> dict[str, Path]:
    clients, offices, seats = folder / "clients.csv", folder / "offices.csv", folder / "seats.csv"
    with clients.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "name_kana", "contact_person", "phone", "email", "language", "active", "notes"])
        for i in range(rows):
            w.writerow([f"B{i:06d}", f"株式会社ベンチ{i}", f"ベンチ{i}", "田中 太郎", "03-1234-5678", f"it{i}@example.jp", "ja", "yes", ""])
    with offices.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "client", "name", "postal_code", "address", "lat", "lon", "opens", "closes", "notes"])
        for i in range(rows):
            w.writerow([f"BO{i:06d}", f"B{i:06d}", "本社", "100-0005", "東京都千代田区丸の内1丁目", 35.68 + i * 1e-5, 139.76, "09:00", "18:00", ""])
    with seats.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["office", "label", "kind", "os", "purchase_year", "count"])
        for i in range(rows):
            w.writerow([f"BO{i:06d}", "事務用PC", "pc", "windows", 2022, 5])
    return {"clients": clients, "offices": offices, "seats": seats}


BAD_CELL = {"clients.csv": (7, "maybe"), "offices.csv": (7, "25:99"), "seats.csv": (5, "not-a-number")}
"""(column index, bad value) written into the last row: active, opens, count."""


def with_bad_last_row(path: Path) -> Path:
    bad = path.with_name("bad-" + path.name)
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[-1].split(",")
    column, value = BAD_CELL[path.name]
    cells[column] = value
    bad.write_text("\n".join(lines[:-1] + [",".join(cells)]) + "\n", encoding="utf-8")
    return bad


CHANGE = {"clients.csv": ("株式会社ベンチ", "有限会社ベンチ"), "offices.csv": (",本社,", ",支社,"), "seats.csv": (",2022,5", ",2022,6")}
"""A change to every row (the update path): a name, an office name, a count."""


def with_every_row_changed(path: Path) -> Path:
    changed = path.with_name("changed-" + path.name)
    old, new = CHANGE[path.name]
    changed.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = write_files(folder, args.rows)
        database = open_database(args.db or str(folder / "bench.sqlite3"))
        print(f"{args.rows:,} rows per file, {database.describe()}, load {os.getloadavg()[0]:.2f}")
        for kind, path in files.items():
            steps = (("import", path), ("again", path), ("one bad row", with_bad_last_row(path)),
                     ("every row changed", with_every_row_changed(path)))
            for step, file in steps:
                started, cpu = time.perf_counter(), time.process_time()
                try:
                    with database.transaction() as session:
                        report = import_csv(session, kind, file)
                    outcome = report.summary()
                except CsvError as exc:
                    outcome = f"refused: {str(exc)[:90]}"
                print(f"{kind:8} {step:17} {time.perf_counter() - started:6.2f} s wall {time.process_time() - cpu:6.2f} s cpu  {outcome}")
        print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
