"""A deterministic demo business in Tokyo and Osaka.

`generate_demo(session, seed=7, today=...)` writes ~40 client companies with offices at real town
centroids (wards of Tokyo and Osaka, a few suburbs), ~1,500 seats, 9 concierges, contracts of both plan
kinds, incidents, and visit requests for the current and the next week (business days only, relative to
`today`). The same seed and day always give the same data.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from decimal import Decimal

import jpholiday
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.clock import business_today
from data.demo_tables import (
    COMPANY_KINDS,
    COMPANY_WORDS,
    CONCIERGES,
    DEFAULT_SETTINGS,
    GIVEN,
    KANA,
    OSAKA,
    REQUEST_TEXTS,
    SHINJUKU_SHOPS,
    SURNAMES,
    TOKYO,
    URGENCY_DEADLINE_HOURS,
    URGENCY_MIX,
    Place,
)
from data.models import (
    Client,
    Concierge,
    Contract,
    Incident,
    Office,
    Seat,
    Setting,
    Visit,
    VisitRequest,
)


def business_days(start: dt.date, count: int) -> list[dt.date]:
    """`count` business days (no weekends, no Japanese public holidays) from `start` on."""
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5 and not jpholiday.is_holiday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


@dataclass
class DemoSummary:
    clients: int
    offices: int
    seats: int
    concierges: int
    contracts: int
    requests: int
    incidents: int

    def line(self) -> str:
        return (
            f"demo data: {self.clients} clients, {self.offices} offices, {self.seats} seats, "
            f"{self.concierges} concierges, {self.contracts} contracts, {self.requests} visit requests, "
            f"{self.incidents} incidents"
        )


def _street(rng: random.Random, place: Place) -> str:
    if place.address.endswith("丁目"):
        return f"{place.address}{rng.randint(1, 20)}-{rng.randint(1, 15)}"
    return f"{place.address}{rng.randint(1, 30)}-{rng.randint(1, 20)}"


def _jitter(rng: random.Random, value: float) -> float:
    return round(value + rng.uniform(-0.0015, 0.0015), 6)


def _office_count(rng: random.Random) -> int:
    return rng.choices((1, 2, 3, 4, 6, 8), weights=(50, 22, 12, 8, 5, 3))[0]


def _seats_for(rng: random.Random, office: Office, pcs: int, year: int) -> None:
    mac = rng.random() < 0.2
    windows_pcs = pcs - (rng.randint(1, max(1, pcs // 4)) if mac and pcs > 2 else 0)
    office.seats.append(Seat(label="事務用PC", kind="pc", os="windows", count=windows_pcs,
                             purchase_year=year - rng.randint(0, 7)))
    if windows_pcs < pcs:
        office.seats.append(Seat(label="デザイン用Mac", kind="pc", os="macos", count=pcs - windows_pcs,
                                 purchase_year=year - rng.randint(0, 4)))
    if pcs >= 8 or rng.random() < 0.35:
        servers = 1 if pcs < 25 else rng.randint(1, 3)
        office.seats.append(Seat(label="ファイルサーバ", kind="server",
                                 os="linux" if rng.random() < 0.15 else "windows", count=servers,
                                 purchase_year=year - rng.randint(0, 8)))
    office.seats.append(Seat(label="複合機", kind="printer", os="none", count=1 + pcs // 20,
                             purchase_year=year - rng.randint(0, 6)))
    office.seats.append(Seat(label="ルータ", kind="network", os="none", count=1,
                             purchase_year=year - rng.randint(0, 6)))


DEMO_MARKER = "demo_database"
"""Setting written by `generate_demo`: `concierge demo` replaces only files that carry it."""


def is_demo(session: Session) -> bool:
    """True for a database `generate_demo` wrote (it may be replaced by a fresh one)."""
    return session.get(Setting, DEMO_MARKER) is not None


def is_empty(session: Session) -> bool:
    """True when the database holds no clients and no concierges yet."""
    return session.scalars(select(Client.id).limit(1)).first() is None and (
        session.scalars(select(Concierge.id).limit(1)).first() is None
    )


def generate_demo(session: Session, *, seed: int = 7, today: dt.date | None = None) -> DemoSummary:
    """Write the demo business into an empty database (the caller owns the transaction)."""
    rng = random.Random(seed)
    today = today or business_today()
    year = today.year
    for key, value in DEFAULT_SETTINGS.items():
        session.merge(Setting(key=key, value=value))
    session.merge(Setting(key=DEMO_MARKER, value=f"demo business, seed {seed}, built for {today.isoformat()}"))

    concierges: list[Concierge] = []
    for code, name, address, lat, lon, skills, profile in CONCIERGES:
        number = int(code[1:])
        concierges.append(Concierge(
            code=code, name=name, phone=f"090-{1000 + number * 37:04d}-{2000 + number * 91:04d}",
            email=f"{code.lower()}@concierge-desk.example", home_address=f"{address}{number}-{number + 2}",
            home_lat=lat, home_lon=lon, skills=skills.split(),
            working_days=[0, 1, 2, 3, 4] if number % 4 else [1, 2, 3, 4, 5],
            shift_start=dt.time(9, 0) if number % 3 else dt.time(10, 0),
            shift_end=dt.time(18, 0) if number % 3 else dt.time(19, 0),
            max_visits=6 if number % 2 else 7, travel_profile=profile,
        ))
    session.add_all(concierges)
    tokyo_staff = [k for k in concierges if k.home_lat > 35]
    osaka_staff = [k for k in concierges if k.home_lat < 35]

    clients: list[Client] = []
    office_seq = 0
    names_used: set[str] = set()
    for index in range(40):
        while True:
            word = rng.choice(COMPANY_WORDS)
            kind, kind_kana = rng.choice(COMPANY_KINDS)
            name = f"{word}{kind}"
            if name not in names_used:
                names_used.add(name)
                break
        legal = "" if "事務所" in kind or "クリニック" in kind else "株式会社"
        english = index % 9 == 4
        client = Client(
            code=f"C{index + 1:04d}",
            name=f"{legal}{name}" if legal else name,
            name_kana=f"{KANA[word]}{kind_kana}",
            contact_person=f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}",
            phone=f"0{3 if index % 4 else 6}-{rng.randint(3000, 6999)}-{rng.randint(1000, 9999)}",
            email=f"it@client{index + 1:02d}.example",
            language="en" if english else "ja",
        )
        if index == 0:
            client.name, client.name_kana = "株式会社まちかどベーカリー", "マチカドベーカリー"
            places = list(SHINJUKU_SHOPS)
        elif index % 10 == 3:  # offices in both cities
            places = [rng.choice(TOKYO), rng.choice(OSAKA)] + rng.sample(TOKYO, rng.randint(0, 2))
        elif index % 10 == 7:  # widely dispersed sites
            places = rng.sample(TOKYO, 5) + rng.sample(OSAKA, 4)
        else:
            pool = OSAKA if index % 5 == 2 else TOKYO
            anchor = rng.choice(pool)
            nearby = sorted(pool, key=lambda p: (p.lat - anchor.lat) ** 2 + (p.lon - anchor.lon) ** 2)
            places = nearby[: _office_count(rng)]
        for n, place in enumerate(places):
            office_seq += 1
            town = re.sub(r"[0-9]+丁目$", "", place.address.split("区")[-1].split("市")[-1])
            label = "本社" if n == 0 else f"{town}営業所"
            if index == 0:
                label = f"{place.address.split('区')[-1]}店"
            office = Office(
                code=f"O{office_seq:04d}", name=label, postal_code=place.postal,
                address=_street(rng, place), lat=_jitter(rng, place.lat), lon=_jitter(rng, place.lon),
                geocode_precision="town",
                opens=dt.time(10, 0) if index == 0 else dt.time(9, 0),
                closes=dt.time(20, 0) if index == 0 else dt.time(18, 0),
            )
            pcs = 1 if index == 0 else max(1, int(rng.lognormvariate(2.6, 0.7)))
            if n > 0 and index != 0:
                pcs = max(1, pcs // 3)
            if index == 0:
                office.seats.append(Seat(label="POS連携PC", kind="pc", os="windows", count=1,
                                         purchase_year=year - rng.randint(0, 5)))
                office.seats.append(Seat(label="レシートプリンタ", kind="printer", os="none", count=1))
            else:
                _seats_for(rng, office, min(pcs, 60), year)
            client.offices.append(office)
        staff = osaka_staff if client.offices[0].lat < 35 else tokyo_staff
        if rng.random() < 0.6:
            client.dedicated_concierge = rng.choice(staff)
        incident_plan = index % 4 == 1
        start = dt.date(year - rng.randint(0, 2), rng.randint(1, 12), 1)
        if start > today:
            start = dt.date(today.year, today.month, 1)
        if incident_plan:
            billing = "monthly" if index % 8 == 1 else "annual"
            scope = rng.choice(("normal", "normal", "technical", "highly_technical"))
            options: dict[str, object] = {
                "billing": billing, "scope": scope,
                "personal_support": "all regular employees", "approver": "president",
            }
            if billing == "monthly":
                options["max_incidents"] = rng.randint(1, 5)
            client.contracts.append(Contract(
                plan="support_incidents", start_month=start, minimum_months=12, notice_months=1,
                options=options, fee_limit=Decimal(rng.choice((30000, 50000, 100000))),
            ))
        else:
            dispersed = index % 10 == 7
            client.contracts.append(Contract(
                plan="concierge_seats", start_month=start, minimum_months=3, notice_months=1,
                service_hours=["evening"] if index % 6 == 5 else [],
                options={"variant": "two_tier" if dispersed else "per_cluster", "rounding": "half"},
                dedicated_required=client.dedicated_concierge is not None and index % 7 == 0,
            ))
        clients.append(client)
    session.add_all(clients)
    session.flush()

    requests = _requests(rng, session, clients, concierges, today)
    incidents = _incidents(rng, session, clients, today)
    offices = sum(len(c.offices) for c in clients)
    seats = sum(s.count for c in clients for o in c.offices for s in o.seats)
    contracts = sum(len(c.contracts) for c in clients)
    return DemoSummary(len(clients), offices, seats, len(concierges), contracts, requests, incidents)


def _requests(
    rng: random.Random, session: Session, clients: list[Client], concierges: list[Concierge], today: dt.date
) -> int:
    """Visit requests for the current and the next week; past days are done with their visits."""
    monday = today - dt.timedelta(days=today.weekday())
    days = [d for d in business_days(monday, 10) if d < monday + dt.timedelta(days=14)]
    served = [c for c in clients if c.contracts and c.contracts[0].plan == "concierge_seats"]
    urgencies = [u for u, _ in URGENCY_MIX]
    weights = [w for _, w in URGENCY_MIX]
    count = 0
    for day in days:
        for _ in range(rng.randint(18, 26)):
            client = rng.choice(served)
            office = rng.choice(client.offices)
            category = rng.choices(("trouble", "setup", "consultation"), weights=(60, 30, 10))[0]
            urgency = rng.choices(urgencies, weights=weights)[0]
            if category != "trouble" and urgency == "emergency":
                urgency = "normal"
            received = dt.datetime.combine(day - dt.timedelta(days=rng.randint(0, 2)), dt.time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))))
            if day >= today:  # open requests are in before today's work starts: the board and the list show them
                received = min(received, dt.datetime.combine(today, dt.time(7, received.minute)))
                if urgency == "emergency" and day == today:
                    received = dt.datetime.combine(today, dt.time(7, received.minute))
            skills: list[str] = []
            if client.language == "en":
                skills.append("english")
            if category == "setup" and rng.random() < 0.4:
                skills.append(rng.choice(("server", "network", "printer")))
            minutes = rng.choice((30, 45, 60, 60, 90, 120)) if category != "setup" else rng.choice((60, 90, 120, 180))
            window: tuple[dt.time | None, dt.time | None] = (None, None)
            if rng.random() < 0.12:
                window = (dt.time(13, 0), dt.time(17, 0))
            request = VisitRequest(
                client=client, office=office, received_at=received, category=category,
                routine=rng.random() > 0.15, urgency=urgency,
                deadline=received + dt.timedelta(hours=URGENCY_DEADLINE_HOURS[urgency]),
                estimated_minutes=minutes, required_skills=skills,
                description=rng.choice(REQUEST_TEXTS[category]),
                window_start=window[0], window_end=window[1], status="open",
            )
            if day < today:
                able = [k for k in concierges if set(skills) <= set(k.skills)
                        and (k.home_lat > 35) == (office.lat > 35)] or concierges
                concierge = client.dedicated_concierge or rng.choice(able)
                start = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.choice((0, 30))))
                end = start + dt.timedelta(minutes=minutes)
                request.status = "done"
                request.visits.append(Visit(
                    concierge=concierge, date=day, sequence=0, planned_start=start, planned_end=end,
                    actual_start=start + dt.timedelta(minutes=rng.randint(-5, 10)),
                    actual_end=end + dt.timedelta(minutes=rng.randint(-10, 20)),
                    work_slip=f"{request.description}: 対応完了", status="done",
                ))
            session.add(request)
            count += 1
    return count


def _incidents(rng: random.Random, session: Session, clients: list[Client], today: dt.date) -> int:
    """A few support incidents this month and last month for incident-plan clients."""
    count = 0
    first = today.replace(day=1)
    last_month = (first - dt.timedelta(days=1)).replace(day=1)
    for client in clients:
        contract = client.contracts[0]
        if contract.plan != "support_incidents":
            continue
        for month in (last_month, first):
            for _ in range(rng.randint(1, 5)):
                opened = dt.datetime.combine(month + dt.timedelta(days=rng.randint(0, 25)), dt.time(rng.randint(9, 17)))
                if opened.date() > today:
                    continue
                shape = rng.random()
                incident = Incident(
                    client=client, contract_id=contract.id, person=f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}",
                    opened_at=opened, closed_at=opened + dt.timedelta(hours=rng.randint(1, 48)),
                    description=rng.choice(REQUEST_TEXTS["trouble"]),
                )
                if shape < 0.25:
                    incident.mail_round_trips = rng.randint(1, 2)
                elif shape < 0.55:
                    incident.call_minutes = [rng.randint(5, 70)]
                elif shape < 0.75:
                    incident.chat_minutes = rng.randint(5, 90)
                elif shape < 0.9:
                    incident.investigation = True
                else:
                    incident.onsite_visits = 1
                session.add(incident)
                count += 1
    return count
