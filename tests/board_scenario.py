"""A small fixed business for the dispatch board, route and day tests (no solver needed to build it).

Thursday 26 Nov 2026: K01 (works) and K02 (off on Thursdays); clients 青葉商事 (dedicated K01, seat plan)
and Sakura Design (dedicated K02 required); K01 has three committed visits; two requests are open.
"""

from __future__ import annotations

import datetime as dt

from data.db import Database
from data.models import Client, Concierge, Contract, Office, Seat, Visit, VisitRequest

DAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 8, 30)


def at(hh: int, mm: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm))


def build(database: Database, *, committed: bool = True) -> dict[str, int]:
    """Write the business; return row ids by name (k1, k2, c1, c2, o1, o2, o3, r_* requests, v_* visits)."""
    with database.transaction() as s:
        k1 = Concierge(code="K01", name="佐々木 亮", phone="090-1111-2222", home_address="東京都世田谷区三軒茶屋2丁目",
                       home_lat=35.6436, home_lon=139.6701, skills=["network", "server"], working_days=[0, 1, 2, 3, 4], max_visits=5)
        k2 = Concierge(code="K02", name="Emily Clark", home_address="東京都港区六本木6丁目", home_lat=35.6604, home_lon=139.7293,
                       skills=["english", "mac"], working_days=[0, 1, 2], max_visits=5)
        k3 = Concierge(code="K03", name="中島 さやか", home_address="東京都豊島区東池袋1丁目", home_lat=35.7296, home_lon=139.7154,
                       skills=["printer", "network"], working_days=[0, 1, 2, 3, 4], max_visits=4)
        a = Client(code="C1", name="青葉商事", name_kana="アオバショウジ", contact_person="田中 健一", phone="03-1234-5678",
                   dedicated_concierge=k1)
        o1 = Office(code="O1", name="本社", address="東京都千代田区丸の内1丁目1-1", lat=35.6812, lon=139.7671)
        o1.seats += [Seat(label="事務用PC", kind="pc", os="windows", count=10), Seat(label="Mac", kind="pc", os="macos", count=2),
                     Seat(label="ファイルサーバ", kind="server", os="linux", count=1), Seat(label="複合機", kind="printer", os="none", count=1)]
        o3 = Office(code="O3", name="新宿営業所", address="東京都新宿区西新宿1丁目2-3", lat=35.6906, lon=139.6975)
        o3.seats += [Seat(label="事務用PC", kind="pc", os="windows", count=4)]
        a.offices += [o1, o3]
        a.contracts.append(Contract(plan="concierge_seats", start_month=dt.date(2026, 1, 1)))
        b = Client(code="C2", name="Sakura Design", contact_person="Ken Mori", phone="03-9999-0000", dedicated_concierge=k2,
                   language="en")
        o2 = Office(code="O2", name="Studio", address="東京都渋谷区道玄坂1丁目2-4", lat=35.6579, lon=139.6984,
                    opens=dt.time(10), closes=dt.time(17))
        b.offices.append(o2)
        b.contracts.append(Contract(plan="support_incidents", start_month=dt.date(2026, 1, 1), options={"billing": "annual"},
                                    dedicated_required=True))
        s.add_all([k1, k2, k3, a, b])
        s.flush()

        def req(client: Client, office: Office, received: dt.datetime, urgency: str, deadline: dt.datetime, minutes: int,
                text: str, **kw: object) -> VisitRequest:
            r = VisitRequest(client=client, office=office, received_at=received, urgency=urgency, deadline=deadline,
                             estimated_minutes=minutes, description=text, **kw)
            s.add(r)
            return r

        yesterday = DAY - dt.timedelta(days=1)
        reqs = {
            "r_lan": req(a, o1, at(16, 0, yesterday), "high", at(16), 60, "社内LANに接続できない", required_skills=["network"]),
            "r_pc": req(a, o3, at(10, 0, yesterday), "normal", at(18), 90, "新入社員用PCのセットアップ", category="setup"),
            "r_toner": req(a, o1, at(11, 0, yesterday), "normal", at(18), 30, "トナー交換"),
            "r_mail": req(b, o2, at(9, 0, yesterday), "normal", at(18), 60, "Mac mail setup"),
            "r_print": req(a, o3, at(7, 45), "normal", at(18, 0, DAY + dt.timedelta(days=1)), 45, "プリンタで印刷できない",
                           routine=False),
        }
        s.flush()
        ids = {name: r.id for name, r in reqs.items()}
        if committed:
            plan = [("r_lan", 9, 40, 10, 40, 2400), ("r_toner", 10, 50, 11, 20, 0), ("r_pc", 13, 0, 14, 30, 900)]
            for seq, (name, h1, m1, h2, m2, travel) in enumerate(plan):
                r = reqs[name]
                v = Visit(request=r, concierge=k1, date=DAY, sequence=seq, planned_start=at(h1, m1), planned_end=at(h2, m2),
                          travel_seconds=travel, travel_meters=travel * 5)
                r.status = "planned"
                s.add(v)
                s.flush()
                ids["v_" + name[2:]] = v.id
        ids |= {"k1": k1.id, "k2": k2.id, "k3": k3.id, "c1": a.id, "c2": b.id, "o1": o1.id, "o2": o2.id, "o3": o3.id}
        return ids
