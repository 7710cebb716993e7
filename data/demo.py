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


@dataclass(frozen=True)
class Place:
    """A real town (chōme) with its representative point."""

    postal: str
    address: str
    lat: float
    lon: float


# Representative points of real towns (chōme level), Tokyo 23 wards and suburbs.
TOKYO = (
    Place("100-0005", "東京都千代田区丸の内1丁目", 35.6812, 139.7671),
    Place("100-0004", "東京都千代田区大手町1丁目", 35.6866, 139.7636),
    Place("101-0052", "東京都千代田区神田小川町2丁目", 35.6946, 139.7658),
    Place("102-0083", "東京都千代田区麹町3丁目", 35.6842, 139.7372),
    Place("103-0027", "東京都中央区日本橋2丁目", 35.6812, 139.7740),
    Place("104-0061", "東京都中央区銀座4丁目", 35.6716, 139.7651),
    Place("104-0032", "東京都中央区八丁堀3丁目", 35.6746, 139.7784),
    Place("105-0004", "東京都港区新橋2丁目", 35.6665, 139.7579),
    Place("105-0001", "東京都港区虎ノ門1丁目", 35.6697, 139.7497),
    Place("108-0023", "東京都港区芝浦3丁目", 35.6432, 139.7476),
    Place("106-0032", "東京都港区六本木6丁目", 35.6604, 139.7293),
    Place("107-0052", "東京都港区赤坂3丁目", 35.6748, 139.7366),
    Place("160-0023", "東京都新宿区西新宿1丁目", 35.6906, 139.6975),
    Place("160-0022", "東京都新宿区新宿3丁目", 35.6918, 139.7049),
    Place("169-0075", "東京都新宿区高田馬場1丁目", 35.7103, 139.7061),
    Place("150-0043", "東京都渋谷区道玄坂1丁目", 35.6579, 139.6984),
    Place("150-0013", "東京都渋谷区恵比寿1丁目", 35.6468, 139.7131),
    Place("151-0053", "東京都渋谷区代々木2丁目", 35.6838, 139.6999),
    Place("170-0013", "東京都豊島区東池袋1丁目", 35.7296, 139.7154),
    Place("171-0022", "東京都豊島区南池袋2丁目", 35.7264, 139.7121),
    Place("141-0032", "東京都品川区大崎1丁目", 35.6197, 139.7286),
    Place("141-0022", "東京都品川区東五反田1丁目", 35.6263, 139.7256),
    Place("152-0035", "東京都目黒区自由が丘1丁目", 35.6076, 139.6691),
    Place("153-0051", "東京都目黒区上目黒2丁目", 35.6441, 139.6981),
    Place("154-0024", "東京都世田谷区三軒茶屋2丁目", 35.6436, 139.6701),
    Place("158-0094", "東京都世田谷区玉川2丁目", 35.6116, 139.6281),
    Place("144-0052", "東京都大田区蒲田5丁目", 35.5625, 139.7161),
    Place("110-0005", "東京都台東区上野7丁目", 35.7135, 139.7771),
    Place("111-0032", "東京都台東区浅草1丁目", 35.7116, 139.7963),
    Place("130-0013", "東京都墨田区錦糸1丁目", 35.6985, 139.8139),
    Place("135-0061", "東京都江東区豊洲3丁目", 35.6549, 139.7961),
    Place("136-0071", "東京都江東区亀戸2丁目", 35.6976, 139.8268),
    Place("113-0033", "東京都文京区本郷3丁目", 35.7075, 139.7601),
    Place("164-0001", "東京都中野区中野5丁目", 35.7081, 139.6654),
    Place("166-0003", "東京都杉並区高円寺南4丁目", 35.7044, 139.6496),
    Place("176-0012", "東京都練馬区豊玉北5丁目", 35.7369, 139.6536),
    Place("173-0004", "東京都板橋区板橋1丁目", 35.7478, 139.7189),
    Place("115-0045", "東京都北区赤羽1丁目", 35.7781, 139.7213),
    Place("116-0013", "東京都荒川区西日暮里5丁目", 35.7319, 139.7669),
    Place("120-0034", "東京都足立区千住2丁目", 35.7497, 139.8049),
    Place("125-0061", "東京都葛飾区亀有3丁目", 35.7621, 139.8469),
    Place("134-0088", "東京都江戸川区西葛西6丁目", 35.6646, 139.8589),
    Place("180-0004", "東京都武蔵野市吉祥寺本町1丁目", 35.7041, 139.5779),
    Place("190-0012", "東京都立川市曙町2丁目", 35.6988, 139.4142),
    Place("220-0012", "神奈川県横浜市西区みなとみらい2丁目", 35.4562, 139.6319),
    Place("210-0007", "神奈川県川崎市川崎区駅前本町", 35.5316, 139.6992),
)

# Osaka city wards and neighbours.
OSAKA = (
    Place("530-0001", "大阪府大阪市北区梅田1丁目", 34.7001, 135.4959),
    Place("530-0001", "大阪府大阪市北区梅田3丁目", 34.7024, 135.4941),
    Place("541-0053", "大阪府大阪市中央区本町2丁目", 34.6834, 135.5020),
    Place("542-0085", "大阪府大阪市中央区心斎橋筋1丁目", 34.6739, 135.5011),
    Place("542-0076", "大阪府大阪市中央区難波3丁目", 34.6646, 135.5014),
    Place("550-0004", "大阪府大阪市西区靱本町1丁目", 34.6871, 135.4936),
    Place("532-0011", "大阪府大阪市淀川区西中島5丁目", 34.7290, 135.4999),
    Place("545-0052", "大阪府大阪市阿倍野区阿倍野筋1丁目", 34.6456, 135.5136),
    Place("553-0003", "大阪府大阪市福島区福島7丁目", 34.6966, 135.4861),
    Place("534-0024", "大阪府大阪市都島区東野田町2丁目", 34.6966, 135.5334),
    Place("540-0012", "大阪府大阪市中央区谷町4丁目", 34.6826, 135.5169),
    Place("564-0063", "大阪府吹田市江坂町1丁目", 34.7590, 135.4971),
)

# The franchise-like client's shops: many small shops in one ward (Shinjuku).
SHINJUKU_SHOPS = (
    Place("160-0022", "東京都新宿区新宿3丁目", 35.6918, 139.7049),
    Place("160-0022", "東京都新宿区新宿5丁目", 35.6936, 139.7085),
    Place("160-0023", "東京都新宿区西新宿7丁目", 35.6957, 139.6978),
    Place("160-0021", "東京都新宿区歌舞伎町1丁目", 35.6946, 139.7030),
    Place("169-0073", "東京都新宿区百人町1丁目", 35.7010, 139.7003),
    Place("162-0825", "東京都新宿区神楽坂3丁目", 35.7019, 139.7404),
    Place("160-0016", "東京都新宿区信濃町", 35.6799, 139.7206),
    Place("160-0004", "東京都新宿区四谷1丁目", 35.6862, 139.7302),
    Place("169-0075", "東京都新宿区高田馬場2丁目", 35.7117, 139.7038),
    Place("162-0052", "東京都新宿区戸山2丁目", 35.7033, 139.7150),
    Place("161-0033", "東京都新宿区下落合1丁目", 35.7152, 139.6993),
    Place("160-0017", "東京都新宿区左門町", 35.6836, 139.7192),
)

COMPANY_WORDS = (
    "青葉", "桜井", "東邦", "みなと", "北斗", "中央", "浪速", "光陽", "大和", "富士", "若葉", "日の出",
    "双葉", "朝日", "ひかり", "松竹", "白鷺", "竹田", "明星", "丸山",
)
COMPANY_KINDS = (
    ("会計事務所", "カイケイジムショ"), ("法律事務所", "ホウリツジムショ"), ("デザイン", "デザイン"),
    ("不動産", "フドウサン"), ("商事", "ショウジ"), ("歯科クリニック", "シカクリニック"),
    ("設計事務所", "セッケイジムショ"), ("印刷", "インサツ"), ("物流", "ブツリュウ"),
    ("社会保険労務士事務所", "シャカイホケンロウムシジムショ"), ("建設", "ケンセツ"), ("食品", "ショクヒン"),
)
KANA = {
    "青葉": "アオバ", "桜井": "サクライ", "東邦": "トウホウ", "みなと": "ミナト", "北斗": "ホクト",
    "中央": "チュウオウ", "浪速": "ナニワ", "光陽": "コウヨウ", "大和": "ヤマト", "富士": "フジ",
    "若葉": "ワカバ", "日の出": "ヒノデ", "双葉": "フタバ", "朝日": "アサヒ", "ひかり": "ヒカリ",
    "松竹": "ショウチク", "白鷺": "シラサギ", "竹田": "タケダ", "明星": "ミョウジョウ", "丸山": "マルヤマ",
}
SURNAMES = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田")
GIVEN = ("健一", "美咲", "大輔", "陽子", "翔太", "恵", "誠", "由美", "拓也", "彩")

CONCIERGES = (
    ("K01", "佐々木 亮", "東京都世田谷区三軒茶屋2丁目", 35.6436, 139.6701, "network server", "tokyo_rail"),
    ("K02", "Emily Clark", "東京都港区六本木6丁目", 35.6604, 139.7293, "english mac network", "tokyo_rail"),
    ("K03", "中島 さやか", "東京都豊島区東池袋1丁目", 35.7296, 139.7154, "printer network", "tokyo_rail"),
    ("K04", "木村 大地", "東京都江東区亀戸2丁目", 35.6976, 139.8268, "server linux security", "tokyo_rail"),
    ("K05", "林 直人", "東京都中野区中野5丁目", 35.7081, 139.6654, "cloud security english", "tokyo_rail"),
    ("K06", "石井 花子", "東京都大田区蒲田5丁目", 35.5625, 139.7161, "printer mac", "tokyo_rail"),
    ("K07", "松本 翼", "大阪府大阪市淀川区西中島5丁目", 34.7290, 135.4999, "network server", "tokyo_rail"),
    ("K08", "井上 真理", "大阪府大阪市阿倍野区阿倍野筋1丁目", 34.6456, 135.5136, "printer english", "tokyo_rail"),
    ("K09", "山口 剛", "大阪府吹田市江坂町1丁目", 34.7590, 135.4971, "linux security cloud", "car"),
)

URGENCY_MIX = (("emergency", 4), ("high", 18), ("normal", 56), ("low", 22))
REQUEST_TEXTS = {
    "trouble": (
        "プリンタで印刷できない", "社内LANに接続できない", "PCが起動しない", "メールが送受信できない",
        "ファイルサーバにアクセスできない", "Wi-Fiが頻繁に切れる", "ウイルス警告が表示された",
    ),
    "setup": (
        "新入社員用PCのセットアップ", "複合機の入替と設定", "ルータ交換", "NASの増設",
        "Microsoft 365 アカウント追加", "VPN設定",
    ),
    "consultation": ("PC更新計画の相談", "セキュリティ対策の相談", "バックアップ方針の見直し"),
}
URGENCY_DEADLINE_HOURS = {"emergency": 4, "high": 24, "normal": 72, "low": 120}

DEFAULT_SETTINGS = {
    "issuer_name": "株式会社コンシェルジュデスク",
    "issuer_registration_number": "T1234567890123",
    "issuer_address": "東京都千代田区神田小川町2丁目1-1",
    "bank_account": "みずほ銀行 神田支店 普通 1234567 カ)コンシェルジュデスク",
}


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
