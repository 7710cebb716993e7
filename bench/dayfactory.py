"""Realistic generated days for the dispatch benchmarks, written as `concierge-dispatch/1` JSON.

A day looks like our users' days in Tokyo (or Osaka): client offices clustered in business districts
(Marunouchi, Shinjuku, Shibuya, Shinagawa, ...), concierges living in residential wards and suburbs,
travel by coordinates with the `tokyo_rail` profile (or an explicit matrix computed from it). Concierges
work 09:00-18:00 mostly (some 08:30 or 10:00 starts, a few part-timers), take a 60-minute lunch starting
11:30-13:00 (ending by 14:00), hold 2-6 of the eight skills below and serve at most 8 visits (4 part-time).
Clients have one to three offices with office hours; about a third have a dedicated concierge living
nearby (preferred; required for one client in eight). Visits last 30-120 minutes; urgency is about 2.5%
emergency, 12.5% high, 60% normal, 25% low; emergencies and most high-urgency visits carry a deadline
today; requests are up to ten days old. About ten visits are asked per concierge, of which roughly
six fit: the day is over-subscribed like the issue-11 day (576-663 of 1,002 served).

    .venv/bin/python bench/dayfactory.py --sizes 100,1000 --seeds 1,2,3 [--city osaka] [--travel matrix] [--out DIR]

Same (size, seed, city) -> the same file, byte for byte.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

SKILLS = ("english", "server", "network", "mac", "linux", "printer", "security", "cloud")
#: Share of concierges holding each skill.
SKILL_HOLDERS = {"english": 0.2, "server": 0.45, "network": 0.75, "mac": 0.4, "linux": 0.3, "printer": 0.7, "security": 0.3, "cloud": 0.35}
#: Relative demand for each skill among visits that need one.
SKILL_DEMAND = {"english": 6, "server": 12, "network": 25, "mac": 12, "linux": 5, "printer": 22, "security": 8, "cloud": 10}
URGENCY_SHARE = {"emergency": 0.025, "high": 0.125, "normal": 0.60, "low": 0.25}
DURATIONS = (30, 45, 60, 90, 120)
DURATION_SHARE = (0.30, 0.25, 0.25, 0.12, 0.08)
#: Concierges per visit when not given: 12 for 100 visits, 100 per 1,000.
CONCIERGES_PER_VISIT = 0.1
DATE = "2025-06-02"  # a Monday

Place = tuple[float, float, float]  # lat, lon, weight
CITIES: dict[str, dict[str, tuple[Place, ...]]] = {
    "tokyo": {
        "offices": (
            (35.6846, 139.7651, 10),  # Marunouchi / Otemachi
            (35.6828, 139.7745, 6),  # Nihonbashi
            (35.6960, 139.7710, 5),  # Kanda / Akihabara
            (35.6670, 139.7500, 7),  # Shinbashi / Toranomon
            (35.6490, 139.7470, 5),  # Hamamatsucho / Tamachi
            (35.6285, 139.7388, 6),  # Shinagawa
            (35.6230, 139.7250, 4),  # Gotanda / Osaki
            (35.6580, 139.7016, 8),  # Shibuya
            (35.6467, 139.7101, 3),  # Ebisu
            (35.6690, 139.7370, 5),  # Roppongi / Akasaka
            (35.6906, 139.6950, 9),  # Nishi-Shinjuku
            (35.7295, 139.7109, 5),  # Ikebukuro
            (35.7138, 139.7770, 3),  # Ueno
            (35.6717, 139.7650, 4),  # Ginza
            (35.6770, 139.7790, 3),  # Kayabacho / Hatchobori
            (35.7060, 139.6660, 2),  # Nakano
            (35.7030, 139.5800, 1),  # Kichijoji
            (35.5310, 139.6970, 2),  # Kawasaki
            (35.4580, 139.6320, 1),  # Yokohama Minatomirai
        ),
        "homes": (
            (35.6460, 139.6530, 4),  # Setagaya
            (35.6990, 139.6360, 3),  # Suginami
            (35.7060, 139.6660, 2),  # Nakano
            (35.7350, 139.6520, 2),  # Nerima
            (35.7080, 139.7520, 2),  # Bunkyo
            (35.7260, 139.7160, 2),  # Toshima
            (35.7510, 139.7090, 1),  # Itabashi
            (35.7530, 139.7340, 1),  # Kita
            (35.7100, 139.8010, 2),  # Sumida
            (35.6730, 139.8170, 2),  # Koto
            (35.6090, 139.7300, 2),  # Shinagawa ward
            (35.6330, 139.6980, 2),  # Meguro
            (35.5610, 139.7160, 2),  # Ota
            (35.5760, 139.6590, 1),  # Kawasaki Nakahara
            (35.7750, 139.8050, 1),  # Adachi
            (35.7070, 139.8680, 1),  # Edogawa
            (35.8070, 139.7240, 1),  # Kawaguchi
        ),
    },
    "osaka": {
        "offices": (
            (34.7025, 135.4959, 10),  # Umeda
            (34.6920, 135.5020, 6),  # Yodoyabashi / Kitahama
            (34.6825, 135.4990, 7),  # Honmachi
            (34.7335, 135.5000, 4),  # Shin-Osaka
            (34.6660, 135.5010, 5),  # Namba
            (34.6460, 135.5140, 3),  # Tennoji
            (34.6960, 135.5330, 3),  # Kyobashi / OBP
            (34.6830, 135.5060, 3),  # Sakaisuji-Hommachi
        ),
        "homes": (
            (34.7590, 135.5170, 3),  # Suita
            (34.7810, 135.4700, 2),  # Toyonaka
            (34.5730, 135.4830, 2),  # Sakai
            (34.6790, 135.6010, 2),  # Higashiosaka
            (34.7330, 135.4070, 2),  # Amagasaki
            (34.7380, 135.5640, 1),  # Moriguchi
            (34.6270, 135.6010, 1),  # Yao
            (34.7380, 135.3420, 1),  # Nishinomiya
            (34.7250, 135.4800, 1),  # Yodogawa-ku
        ),
    },
}
OFFICE_SPREAD_DEG = 0.006  # ~600 m around a district centre
HOME_SPREAD_DEG = 0.015  # ~1.5 km around a ward centre


def hhmm(minutes: int) -> str:
    """Minutes from midnight -> "HH:MM"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _points(rng: np.random.Generator, places: tuple[Place, ...], n: int, spread: float) -> np.ndarray:
    """n points scattered around weighted centres, (n, 2) lat/lon rounded to 6 decimals."""
    w = np.array([p[2] for p in places], dtype=float)
    centre = np.array([p[:2] for p in places])[rng.choice(len(places), size=n, p=w / w.sum())]
    return np.round(centre + rng.normal(0.0, spread, size=(n, 2)) * [1.0, 1.2], 6)


def _concierges(rng: np.random.Generator, n: int, homes: np.ndarray) -> list[dict[str, Any]]:
    out = []
    for k in range(n):
        r = rng.random()
        part_time = r < 0.10
        if part_time:
            start, end = (9 * 60, 14 * 60) if rng.random() < 0.5 else (13 * 60, 18 * 60)
        else:
            start = int(rng.choice([9 * 60, 8 * 60 + 30, 10 * 60], p=[0.7, 0.15, 0.15]))
            end = start + 9 * 60
        skills = [s for s in SKILLS if rng.random() < SKILL_HOLDERS[s]]
        while len(skills) < 2:
            skills = sorted(set(skills) | {str(rng.choice(SKILLS))}, key=SKILLS.index)
        c: dict[str, Any] = {
            "id": f"K{k + 1:03d}",
            "start": {"lat": float(homes[k, 0]), "lon": float(homes[k, 1])},
            "shift": {"start": hhmm(start), "end": hhmm(end)},
            "skills": skills,
            "max_visits": 4 if part_time else 8,
        }
        if not part_time:
            c["break"] = {"earliest": "11:30", "latest": "13:00", "minutes": 60}
        out.append(c)
    return out


def _windows(rng: np.random.Generator, hours: tuple[int, int], duration: int, urgency: str) -> list[dict[str, str]]:
    """Start-of-service windows: within office hours, sometimes an appointment or 'not over lunch'."""
    open_, close = hours
    last = close - duration
    r = rng.random()
    if urgency != "emergency" and r < 0.22:  # an appointment slot
        slot = int(rng.choice([open_, 10 * 60, 13 * 60, 14 * 60, 15 * 60]))
        return [{"start": hhmm(slot), "end": hhmm(min(last, slot + int(rng.choice([60, 120, 180]))))}]
    if urgency != "emergency" and r < 0.32:  # not over the client's lunch hour
        return [{"start": hhmm(open_), "end": hhmm(12 * 60 - duration)}, {"start": hhmm(13 * 60), "end": hhmm(last)}]
    if r < 0.40:  # the office does not mind: any time in the concierge's shift
        return []
    return [{"start": hhmm(open_), "end": hhmm(last)}]


def _deadline_and_request(rng: np.random.Generator, urgency: str) -> tuple[int | None, int]:
    """(deadline today or None, requested) in minutes from today's midnight."""
    if urgency == "emergency":
        requested = int(rng.integers(7 * 60, 9 * 60 + 31))
        return requested + int(rng.choice([120, 180, 240])), requested
    if urgency == "high":
        requested = int(rng.integers(-1440 + 9 * 60, 8 * 60 + 1))
        return (int(rng.integers(12, 19)) * 60 if rng.random() < 0.7 else None), requested
    if urgency == "normal":
        requested = int(rng.integers(-5 * 1440, 8 * 60 + 1))
        return (int(rng.choice([17 * 60, 18 * 60])) if rng.random() < 0.15 else None), requested
    return None, int(rng.integers(-10 * 1440, -1440 + 1))


def make_day(visits: int, seed: int = 1, city: str = "tokyo", concierges: int | None = None, travel: str = "profile") -> dict[str, Any]:
    """One generated day as a `concierge-dispatch/1` document (travel "profile": coordinates + tokyo_rail;
    "matrix": the same tokyo_rail seconds and geodesic metres as an explicit matrix, locations by index)."""
    if city not in CITIES:
        raise ValueError(f"city: {city!r} is not one of {', '.join(CITIES)}")
    n_con = concierges if concierges is not None else max(2, round(visits * CONCIERGES_PER_VISIT) + (2 if visits < 500 else 0))
    rng = np.random.default_rng([seed, visits, n_con, list(CITIES).index(city)])
    homes = _points(rng, CITIES[city]["homes"], n_con, HOME_SPREAD_DEG)
    staff = _concierges(rng, n_con, homes)
    full_time = [k for k, c in enumerate(staff) if "break" in c]
    # clients: offices with office hours, a contract priority, maybe a dedicated concierge living nearby
    n_clients = max(5, visits // 2)
    office_client = []
    for client in range(n_clients):
        office_client += [client] * int(rng.choice([1, 2, 3], p=[0.75, 0.18, 0.07]))
    offices = _points(rng, CITIES[city]["offices"], len(office_client), OFFICE_SPREAD_DEG)
    hours = [((9 * 60, 18 * 60), (10 * 60, 19 * 60), (8 * 60 + 30, 17 * 60 + 30))[int(rng.choice(3, p=[0.75, 0.15, 0.10]))] for _ in offices]
    priority = rng.choice(3, size=n_clients, p=[0.5, 0.3, 0.2])
    dedicated: dict[int, tuple[int, bool]] = {}
    first_office = {c: k for k, c in reversed(list(enumerate(office_client)))}
    for client in range(n_clients):
        if rng.random() < 0.33 and full_time:
            d = np.hypot(*(homes[full_time] - offices[first_office[client]]).T)
            near = [full_time[int(i)] for i in np.argsort(d)[:5]]
            dedicated[client] = (int(rng.choice(near)), rng.random() < 0.125)
    # visits: popular clients ask more often (Zipf-like weights over offices)
    weights = 1.0 / np.arange(1, len(offices) + 1) ** 0.6
    weights = rng.permutation(weights / weights.sum())
    demand = np.array([SKILL_DEMAND[s] for s in SKILLS], dtype=float)
    out = []
    for j in range(visits):
        office = int(rng.choice(len(offices), p=weights))
        client = office_client[office]
        urgency = str(rng.choice(list(URGENCY_SHARE), p=list(URGENCY_SHARE.values())))
        duration = int(rng.choice(DURATIONS, p=DURATION_SHARE))
        if urgency == "emergency":
            duration = int(rng.choice([30, 60, 90]))
        r = rng.random()
        need = [] if r < 0.45 else rng.choice(SKILLS, size=1 if r < 0.92 else 2, replace=False, p=demand / demand.sum()).tolist()
        deadline, requested = _deadline_and_request(rng, urgency)
        v: dict[str, Any] = {
            "id": f"V{j + 1:04d}",
            "location": {"lat": float(offices[office, 0]), "lon": float(offices[office, 1])},
            "duration_minutes": duration,
            "urgency": urgency,
            "requested": hhmm(requested) if requested >= 0 else requested,
        }
        windows = _windows(rng, hours[office], duration, urgency)
        if windows:
            v["windows"] = windows
        if deadline is not None:
            v["deadline"] = hhmm(deadline)
        if need:
            v["skills"] = sorted(need, key=SKILLS.index)
        if client in dedicated:
            k, required = dedicated[client]
            v["dedicated"] = staff[k]["id"]
            if required and set(need) <= set(staff[k]["skills"]):
                v["dedicated_required"] = True
        if priority[client]:
            v["priority"] = int(priority[client])
        out.append(v)
    doc: dict[str, Any] = {"schema": "concierge-dispatch/1", "date": DATE, "travel": {"profile": "tokyo_rail"}, "concierges": staff, "visits": out}
    return to_matrix(doc) if travel == "matrix" else doc


def to_matrix(doc: dict[str, Any]) -> dict[str, Any]:
    """The same day with an explicit travel matrix (tokyo_rail seconds, geodesic metres); rows are the
    concierges' homes, then the visits."""
    from dispatch.travel import build_matrix, load_profiles

    places = [c["start"] for c in doc["concierges"]] + [v["location"] for v in doc["visits"]]
    m = build_matrix([(p["lat"], p["lon"]) for p in places], load_profiles()[doc["travel"]["profile"]])
    out: dict[str, Any] = json.loads(json.dumps(doc))
    out["travel"] = {"matrix": {"seconds": m.seconds.tolist(), "meters": m.meters.tolist()}}
    for k, c in enumerate(out["concierges"]):
        c["start"] = {"index": k}
    for k, v in enumerate(out["visits"]):
        v["location"] = {"index": len(out["concierges"]) + k}
    return out


def day_name(visits: int, seed: int, city: str = "tokyo", travel: str = "profile") -> str:
    """File name of a generated day."""
    return f"{city}-{visits}-s{seed}{'-matrix' if travel == 'matrix' else ''}.json"


def write_day(folder: Path, visits: int, seed: int, city: str = "tokyo", travel: str = "profile") -> Path:
    """Generate a day into `folder` (kept if already there: days are deterministic) and return its path."""
    path = folder / day_name(visits, seed, city, travel)
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(make_day(visits, seed, city, travel=travel), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,2000,5000", help="visits per day, comma-separated")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--city", default="tokyo", choices=sorted(CITIES))
    ap.add_argument("--travel", default="profile", choices=("profile", "matrix"))
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / ".cache" / "days")
    args = ap.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        for seed in (int(s) for s in args.seeds.split(",")):
            path = write_day(args.out, size, seed, args.city, args.travel)
            doc = json.loads(path.read_text(encoding="utf-8"))
            urg = {u: sum(v["urgency"] == u for v in doc["visits"]) for u in URGENCY_SHARE}
            print(f"{path}: {len(doc['concierges'])} concierges, {len(doc['visits'])} visits {urg}")


if __name__ == "__main__":
    main()
