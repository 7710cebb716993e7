"""Records saved from forms: codes are optional and given out by the app."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data.db import Database
from data.errors import ValidationError
from data.models import Client, Office
from data.records import save_client, save_office


def test_client_and_office_saved_without_codes_get_fresh_ones(database: Database) -> None:
    with database.transaction() as s:
        client = save_client(s, {"name": "まちかどベーカリー"})
        s.flush()
        office = save_office(
            s, {"name": "本店", "address": "東京都渋谷区道玄坂1-2-3", "lat": "35.6573", "lon": "139.6983"}, client=client
        )
    with database.transaction() as s:
        saved = s.scalars(select(Office).where(Office.name == "本店")).one()
        assert saved.code.startswith("O") and saved.client.code.startswith("C")
        assert saved.client.name == "まちかどベーカリー"
        assert saved.code != "" and office.code == saved.code


def test_office_without_a_name_writes_nothing(database: Database) -> None:
    with pytest.raises(ValidationError) as err, database.transaction() as s:
        client = save_client(s, {"name": "Acme"})
        save_office(s, {"address": "東京都渋谷区道玄坂1-2-3", "lat": "35.6", "lon": "139.7"}, client=client)
    assert err.value.field == "name"
    with database.transaction() as s:
        assert s.scalars(select(Client).where(Client.name == "Acme")).first() is None
