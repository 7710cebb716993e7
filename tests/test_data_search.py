"""Search the way Japanese users type: hiragana finds katakana, full-width = half-width, any case, % and _ literal.

Every search box of the app goes through these functions (client list, client picker, palette, quote and
contract filters, request intake, concierge list), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update

from data.concierges import concierge_rows, find_clients
from data.contract_rows import contract_rows
from data.csvio import import_csv
from data.db import Database
from data.errors import NotFoundError
from data.models import Client, Concierge, Contract
from data.planning import search_clients
from data.queries import list_clients
from data.records import save_client
from data.route import find_concierge
from data.search import fold, like_pattern, search_words, text_matches

CLIENTS = (
    ("C0001", "株式会社マルヤマ", "マルヤマ"),
    ("C0002", "丸山設計事務所", "まるやまセッケイ"),
    ("C0003", "ＡＢＣ商事", None),
    ("C0004", "100%商事", None),
    ("C0005", "A_B Trading", None),
    ("C0006", "青葉食品", "アオバショクヒン"),
)


def add_clients(database: Database) -> None:
    with database.transaction() as session:
        for code, name, kana in CLIENTS:
            save_client(session, {"code": code, "name": name, "name_kana": kana or ""})


def found(database: Database, search: str) -> list[str]:
    with database.sessions() as session:
        return sorted(r.code for r in list_clients(session, search=search).rows)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("まるやま", "マルヤマ"),  # an IME's hiragana = katakana
        ("ﾏﾙﾔﾏ", "マルヤマ"),  # half-width kana
        ("abc", "ＡＢＣ"),  # full-width letters, any case
        ("c0001", "Ｃ０００１"),
        ("ば", "バ"),  # voiced marks survive
        ("株式会社大和", "株式会社 大和"),  # spaces do not count
        ("(株)", "㈱"),
    ],
)
def test_fold_makes_what_people_type_equal_to_what_is_stored(typed: str, stored: str) -> None:
    """Each pair folds to the same text."""
    assert fold(typed) == fold(stored)


def test_a_search_is_split_at_full_width_spaces_too() -> None:
    """`丸山　設計` (ideographic space) is two words, both folded."""
    assert search_words("丸山　セッケイ") == ["丸山", "せっけい"]


def test_like_pattern_keeps_percent_and_underscore_literal() -> None:
    assert like_pattern("100%") == "%100\\%%" and like_pattern("a_b") == "%a\\_b%" and like_pattern("a\\b") == "%a\\\\b%"


def test_hiragana_finds_the_katakana_kana_and_name(database: Database) -> None:
    """`まるやま` finds both マルヤマ clients; `マルヤマ` finds the same two."""
    add_clients(database)
    assert found(database, "まるやま") == ["C0001", "C0002"]
    assert found(database, "マルヤマ") == ["C0001", "C0002"]
    assert found(database, "ﾏﾙﾔﾏ") == ["C0001", "C0002"]


def test_full_width_and_case_do_not_matter(database: Database) -> None:
    add_clients(database)
    assert found(database, "abc") == ["C0003"]
    assert found(database, "ＡＢＣ") == ["C0003"]
    assert found(database, "ｃ０００３") == ["C0003"]
    assert found(database, "a_b trading") == ["C0005"]


def test_percent_and_underscore_are_literal(database: Database) -> None:
    """`%` finds only 100%商事 and `_` only A_B Trading (they used to match everything)."""
    add_clients(database)
    assert found(database, "%") == ["C0004"]
    assert found(database, "_") == ["C0005"]
    assert found(database, "\\") == []


def test_every_word_must_match(database: Database) -> None:
    add_clients(database)
    assert found(database, "まるやま せっけい") == ["C0002"]


def test_a_renamed_client_is_found_by_its_new_name(database: Database) -> None:
    """The stored search key follows an edit (ORM update) and a bulk update through the CSV import."""
    add_clients(database)
    with database.transaction() as session:
        client = session.scalars(select(Client).where(Client.code == "C0006")).one()
        save_client(session, {"code": "C0006", "name": "ミドリ食品", "name_kana": "ミドリショクヒン"}, client_id=client.id,
                    expected_version=client.version)
    assert found(database, "みどり") == ["C0006"] and found(database, "あおば") == []


def test_csv_imported_clients_are_found(database: Database, tmp_path: Path) -> None:
    """New rows (bulk INSERT) and changed rows (bulk UPDATE) of a CSV import get their search key."""
    add_clients(database)
    path = tmp_path / "clients.csv"
    path.write_text("code,name,name_kana\nC0100,ヤマト運輸テスト,ヤマトウンユ\nC0006,ソラ食品,ソラショクヒン\n", encoding="utf-8")
    with database.transaction() as session:
        import_csv(session, "clients", path)
    assert found(database, "やまと") == ["C0100"]
    assert found(database, "そら") == ["C0006"]


def test_pickers_contracts_and_intake_fold_the_same_way(database: Database) -> None:
    """The quote screen's client search, the contract filter and request intake find マルヤマ by まるやま."""
    add_clients(database)
    with database.transaction() as session:
        for client in session.scalars(select(Client)):
            session.add(Contract(client=client, plan="support_incidents", start_month=dt.date(2026, 1, 1)))
    with database.sessions() as session:
        assert sorted(c.code for c in find_clients(session, "まるやま")) == ["C0001", "C0002"]
        assert sorted(r.client_code for r in contract_rows(session, dt.date(2026, 11, 25), search="まるやま")) == ["C0001", "C0002"]
        assert sorted(c.code for c in search_clients(session, "まるやま")) == ["C0001", "C0002"]
        assert [c.code for c in find_clients(session, "%")] == ["C0004"]


def test_concierge_filter_folds_too() -> None:
    """The concierge list filters in memory with the same rule."""
    assert text_matches("さとう", ("K01", "サトウ 一郎"))
    assert text_matches("ｅｎｇｌｉｓｈ", ("english",))
    assert not text_matches("%", ("K01", "佐藤"))


def test_concierge_rows_filter_by_hiragana(database: Database) -> None:
    with database.transaction() as session:
        session.add(Concierge(code="K01", name="サトウ 一郎", home_address="東京都", home_lat=35.6, home_lon=139.7))
        session.add(Concierge(code="K02", name="Emily Clark", home_address="東京都", home_lat=35.6, home_lon=139.7))
    with database.sessions() as session:
        assert [r.code for r in concierge_rows(session, search="さとう")] == ["K01"]
        assert [r.code for r in concierge_rows(session, search="EMILY")] == ["K02"]


def test_a_concierge_code_with_lowercase_letters_is_found(database: Database) -> None:
    """`route --concierge k1a` and My day reach a concierge whose code is `k1a` (the code was upper-cased)."""
    with database.transaction() as session:
        session.add(Concierge(code="k1a", name="小林 優", home_address="東京都", home_lat=35.6, home_lon=139.7))
        session.add(Concierge(code="K02", name="中村 翔", home_address="東京都", home_lat=35.6, home_lon=139.7))
    with database.sessions() as session:
        assert find_concierge(session, "k1a").name == "小林 優"
        assert find_concierge(session, "K1A").name == "小林 優"  # the one code equal ignoring case
        assert find_concierge(session, "k02").code == "K02"
        with pytest.raises(NotFoundError):
            find_concierge(session, "k03")


def test_two_codes_differing_only_in_case_need_the_exact_one(database: Database) -> None:
    with database.transaction() as session:
        session.add(Concierge(code="ka", name="A", home_address="東京都", home_lat=35.6, home_lon=139.7))
        session.add(Concierge(code="KA", name="B", home_address="東京都", home_lat=35.6, home_lon=139.7))
    with database.sessions() as session:
        assert find_concierge(session, "ka").name == "A" and find_concierge(session, "KA").name == "B"
        with pytest.raises(NotFoundError):
            find_concierge(session, "Ka")


def test_a_client_written_without_the_key_is_still_given_one(database: Database) -> None:
    """A plain INSERT of a client row (as bulk loaders do) gets its key from the column default."""
    from sqlalchemy import insert

    with database.transaction() as session:
        session.execute(insert(Client), [{"code": "C0200", "name": "カタカナ商店", "version": 1}])
        session.execute(update(Client).where(Client.code == "C0200").values(active=True))
    assert found(database, "かたかな") == ["C0200"]
