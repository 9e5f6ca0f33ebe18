"""Feed benchmark data: a reproducible, large WILMA organisation loaded with PostgreSQL COPY.

Usage (PostgreSQL only; the database must be migrated and is EMPTIED first)::

    createdb -h 127.0.0.1 -U postgres wilma_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wilma_bench
    .venv/bin/python manage.py migrate
    # full scale (issue #3): 1,000,000 posts, 10,000 employees, 500 communities
    .venv/bin/python -m bench.feed_data --posts 1000000 --employees 10000 --communities 500 --seed 1
    # small scale while developing: 20,000 posts, 1,000 employees, 50 communities
    .venv/bin/python -m bench.feed_data --scale small --seed 1

What it builds (all counts deterministic for a given ``--seed`` and ``--until``):

- a department tree (city > 12 Referate > 4 Abteilungen each); employees spread over the
  Abteilungen, none of them a site admin (admins skip the read-permission filter);
- communities whose member counts follow a Zipf law (rank ``r`` gets ``~ 1/r^s``, capped at
  60 % of all employees) so that the employees hold ``--memberships-per-employee`` memberships
  on average (each employee ends up in about 20 communities, binomially spread); about 80 %
  public/open, 12 % private/request, 8 % secret/invitation, 10 % restricted to a Referat; the
  10 largest are public and unrestricted. Each has an owner and two moderators;
- follows: each employee follows 0-20 colleagues, popular colleagues (Zipf) more often;
- posts over the two years before ``--until``, ids in time order (as in production);
  10 % on the author's profile, the rest in communities in proportion to their member counts,
  written by a member; 0.5 % deleted, 3 % edited, up to two pinned per community;
  bodies are German-ish sentences from a pre-built pool with 0-3 ``#hashtags`` (Zipf-popular,
  ``--tags`` distinct) that are also stored as ``TaggedPost`` rows;
  ``body_html`` is the body HTML-escaped in ``<p>`` paragraphs (not the Markdown renderer:
  the bodies contain no Markdown, so the output has the same shape);
- comments: geometric count per post (mean ``--comments-per-post``), 25 % of them replies,
  1 % deleted; one post in 1,000 is a "hot" post with exactly 50 live top-level comments (the
  single-post benchmark). ``comment_count`` is the number of live comments and
  ``last_activity_at`` the newest comment's time (or the post's), exactly what the services
  maintain;
- reactions on posts (geometric, mean ``--reactions-per-post``; 20 on hot posts) and on 15 % of
  comments, distinct employees per target; a few saved posts per employee.

Not generated: polls, attachments, mentions, announcements, skills (the pages still run their
fixed queries for them, which return nothing).

How: one transaction that truncates the WILMA tables, drops the secondary indexes, unique and
foreign-key constraints of the bulk tables, streams every table with ``COPY ... FROM STDIN``
(text format built in Python), re-creates the indexes and constraints exactly as they were
(``pg_get_indexdef`` / ``pg_get_constraintdef``), resets the identity sequences and commits; then
``VACUUM (ANALYZE)`` on the loaded tables (so the planner has statistics and index-only scans a
visibility map, as autovacuum would give a production database). Timings are printed per phase.
"""

from __future__ import annotations

import argparse
import html
import math
import os
import random
import sys
import time
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import psycopg
from psycopg import sql

SCALES: dict[str, dict[str, int]] = {
    "small": {"posts": 20_000, "employees": 1_000, "communities": 50, "tags": 300},
    "medium": {"posts": 200_000, "employees": 5_000, "communities": 250, "tags": 600},
    "full": {"posts": 1_000_000, "employees": 10_000, "communities": 500, "tags": 1_000},
}

# Tables loaded in bulk: their secondary indexes and constraints are rebuilt after the COPY.
BULK_TABLES = (
    "communities_membership",
    "people_follow",
    "feed_post",
    "feed_taggedpost",
    "feed_comment",
    "feed_reaction",
    "feed_savedpost",
)
# Truncated (with everything that references them) before loading.
ROOT_TABLES = (
    "people_department",
    "people_employee",
    "communities_community",
    "taggit_tag",
    "taggit_taggeditem",
)
SEQUENCED_TABLES = (
    "people_department",
    "people_employee",
    "people_follow",
    "communities_community",
    "communities_membership",
    "taggit_tag",
    "feed_post",
    "feed_taggedpost",
    "feed_comment",
    "feed_reaction",
    "feed_savedpost",
)

REACTION_KINDS = ("👍", "❤️", "🎉", "😄", "😮", "🙏")
REACTION_WEIGHTS = (50, 20, 12, 10, 4, 4)
HOT_POST_COMMENTS = 50
HOT_POST_EVERY = 1000

FIRST_NAMES = [
    "Anna",
    "Andreas",
    "Barbara",
    "Benedikt",
    "Christina",
    "Christian",
    "Daniela",
    "Dominik",
    "Elisabeth",
    "Florian",
    "Franziska",
    "Georg",
    "Hannah",
    "Johannes",
    "Julia",
    "Josef",
    "Katharina",
    "Korbinian",
    "Laura",
    "Lukas",
    "Magdalena",
    "Maximilian",
    "Maria",
    "Michael",
    "Monika",
    "Markus",
    "Nina",
    "Peter",
    "Petra",
    "Quirin",
    "Regina",
    "Sebastian",
    "Sabine",
    "Stefan",
    "Sophie",
    "Thomas",
    "Theresa",
    "Tobias",
    "Ursula",
    "Valentin",
    "Veronika",
    "Wolfgang",
    "Yasemin",
    "Mehmet",
    "Aylin",
    "Luca",
    "Giulia",
    "Dragan",
    "Jelena",
    "Olena",
    "Taras",
    "Fatma",
    "Emre",
    "Leonie",
    "Felix",
    "Vroni",
    "Xaver",
    "Zenzi",
]
LAST_NAMES = [
    "Huber",
    "Bauer",
    "Wagner",
    "Müller",
    "Schmid",
    "Mayer",
    "Hofmann",
    "Gruber",
    "Maier",
    "Berger",
    "Fischer",
    "Weber",
    "Schneider",
    "Wimmer",
    "Brunner",
    "Reiter",
    "Moser",
    "Eder",
    "Lechner",
    "Graf",
    "Fuchs",
    "Hartl",
    "Kellner",
    "Lang",
    "Obermaier",
    "Pichler",
    "Riedl",
    "Sedlmair",
    "Stadler",
    "Steiner",
    "Unterberger",
    "Vogl",
    "Westermeier",
    "Zellner",
    "Aigner",
    "Bichler",
    "Dengler",
    "Ertl",
    "Forster",
    "Gschwendtner",
    "Haas",
    "Inninger",
    "Jäger",
    "Kastner",
    "Loibl",
    "Mooser",
    "Neumaier",
    "Oberhofer",
    "Pöschl",
    "Rauch",
    "Schäffler",
    "Thaler",
    "Urban",
    "Voglsamer",
    "Winkler",
    "Yilmaz",
    "Kovačević",
    "Nguyen",
    "Rossi",
    "Schwarz",
    "Zimmermann",
    "Krüger",
    "Öztürk",
    "Kaiser",
    "Wolf",
    "Sommer",
    "Brandl",
    "Kreuzer",
    "Ostermeier",
    "Ruhland",
]
REFERATE = (
    ("KVR", "Kreisverwaltungsreferat"),
    ("RBS", "Referat für Bildung und Sport"),
    ("ITR", "IT-Referat"),
    ("BAU", "Baureferat"),
    ("PLAN", "Referat für Stadtplanung und Bauordnung"),
    ("SOZ", "Sozialreferat"),
    ("GSR", "Gesundheitsreferat"),
    ("KULT", "Kulturreferat"),
    ("RAW", "Referat für Arbeit und Wirtschaft"),
    ("RKU", "Referat für Klima- und Umweltschutz"),
    ("MOR", "Mobilitätsreferat"),
    ("POR", "Personal- und Organisationsreferat"),
)
TOPICS = [
    "Digitalisierung",
    "Radverkehr",
    "Klimaschutz",
    "Wiesn",
    "Verwaltung",
    "OpenData",
    "Barrierefreiheit",
    "Homeoffice",
    "Schule",
    "Kita",
    "Bauantrag",
    "Nachhaltigkeit",
    "ÖPNV",
    "Teamevent",
    "Fortbildung",
    "Ausbildung",
    "Gesundheit",
    "Datenschutz",
    "KI",
    "Bürgerservice",
    "Ehrenamt",
    "Stadtbibliothek",
    "Sport",
    "Kantine",
    "Jobticket",
    "Wohnen",
    "Grünflächen",
    "Vielfalt",
    "Innovation",
    "Projektmanagement",
    "Agilität",
    "Führung",
    "Wissen",
    "Umzug",
    "Inklusion",
    "Energie",
    "Sicherheit",
    "Recht",
    "Finanzen",
    "Haushalt",
]
DISTRICTS = [
    "Schwabing",
    "Giesing",
    "Pasing",
    "Sendling",
    "Bogenhausen",
    "Haidhausen",
    "Moosach",
    "Laim",
    "Trudering",
    "Riem",
    "Neuhausen",
    "Milbertshofen",
    "Hadern",
    "Thalkirchen",
    "Freimann",
    "Maxvorstadt",
    "Lehel",
    "Au",
    "Westend",
    "Allach",
]
SUBJECTS = (
    "Das Team",
    "Unsere Abteilung",
    "Das Referat",
    "Die Projektgruppe",
    "Der Personalrat",
    "Die Kollegin aus dem Bürgerbüro",
    "Der Kollege aus der IT",
    "Die Stadtbibliothek",
    "Das Bürgerbüro",
    "Die Ausbildungsleitung",
    "Unser Sachgebiet",
    "Die Arbeitsgruppe",
)
VERBS = (
    "plant",
    "bespricht",
    "veröffentlicht",
    "überarbeitet",
    "sucht Unterstützung für",
    "testet",
    "stellt vor:",
    "organisiert",
    "diskutiert",
    "digitalisiert",
    "verschiebt",
    "bewertet",
)
OBJECTS = (
    "den neuen Antragsprozess",
    "die Radwege",
    "das Formular für Bauanträge",
    "das Sommerfest",
    "den Dienstplan",
    "die Barrierefreiheit der Website",
    "das neue Intranet",
    "die Schulwegsicherheit",
    "die Terminvergabe",
    "den Umzug ins neue Gebäude",
    "die E-Akte",
    "den Jahresbericht",
    "die Öffnungszeiten",
    "das Mentoring-Programm",
    "die Fortbildungsreihe",
    "den Fahrradparkplatz",
)
TAILS = (
    "ab nächster Woche.",
    "bis Ende des Monats.",
    "im Rathaus.",
    "gemeinsam mit dem IT-Referat.",
    "- Feedback ist willkommen!",
    "Details folgen.",
    "Wer macht mit?",
    "Danke an alle Beteiligten!",
    "Die Unterlagen liegen im Laufwerk.",
    "Fragen gerne hier in die Kommentare.",
    "in Raum 2.14.",
    "nach der Sitzung des Stadtrats.",
)
COMMENT_BITS = (
    "Danke für die Info!",
    "Super, bin dabei.",
    "Gibt es dazu schon einen Termin?",
    "Das hat bei uns im Sachgebiet gut funktioniert.",
    "Können wir das nächste Woche besprechen?",
    "Sehr hilfreich, vielen Dank.",
    "Ich schicke dir die Unterlagen per Mail.",
    "Wo finde ich das Formular?",
    "Klingt gut!",
    "Bitte auch an die Kolleg*innen in Pasing denken.",
    "Ist das schon mit dem Personalrat abgestimmt?",
    "Servus, ich hätte Interesse.",
)


# --- Small helpers --------------------------------------------------------------------------


def _ascii(text: str) -> str:
    text = (
        text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
        .replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    )  # fmt: skip
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in _ascii(text).lower())
    return "-".join(part for part in out.split("-") if part)


def _cum(weights: Sequence[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _geometric(rng: random.Random, mean: float, cap: int) -> int:
    """0, 1, 2, ... with P(n) = (1-p)^n p and E[n] = mean."""
    if mean <= 0:
        return 0
    p = 1.0 / (1.0 + mean)
    n = int(math.log(1.0 - rng.random()) / math.log(1.0 - p))
    return min(n, cap)


def zipf_sizes(count: int, total: int, exponent: float, cap: int, minimum: int) -> list[int]:
    """`count` sizes ~ 1/rank^exponent summing to about `total`, none above `cap` (water
    filling: capped ranks are fixed at `cap` and the rest rescaled) or below `minimum`."""
    weights = [1.0 / (r**exponent) for r in range(1, count + 1)]
    total = min(total, cap * count)
    capped = 0  # ranks 0..capped-1 are at the cap (weights decrease with rank)
    while True:
        rest = sum(weights[capped:])
        scale = (total - cap * capped) / rest if rest else 0.0
        if capped < count and weights[capped] * scale > cap:
            capped += 1
            continue
        break
    return [
        cap if i < capped else max(minimum, min(cap, round(w * scale)))
        for i, w in enumerate(weights)
    ]


class Timestamps:
    """Fast `timestamptz` text for COPY from integer epoch seconds (UTC)."""

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first_day = first_day
        epoch = date(1970, 1, 1)
        self.days = [
            (epoch + timedelta(days=d)).isoformat() for d in range(first_day, last_day + 2)
        ]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]

    def __call__(self, ts: int) -> str:
        d, s = divmod(ts, 86400)
        return f"{self.days[d - self.first_day]} {self.hms[s]}+00"


# (table, column) pairs that `_copy` gave a temporary default.
TEMPORARY_DEFAULTS: list[tuple[str, str]] = []


def _model_defaults(table: str, columns: Sequence[str]) -> dict[str, Any]:
    """Column -> value for the NOT NULL columns of `table` that the generator does not write
    but whose model field has a default (columns added by later migrations): taken from the
    Django model, so a new field does not break the generator."""
    import django
    from django.apps import apps
    from django.db.models import NOT_PROVIDED

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wilma.settings")
    django.setup()
    for model in apps.get_models():
        if model._meta.db_table == table:
            return {
                f.column: f.get_default()
                for f in model._meta.concrete_fields
                if f.column not in columns and not f.null and f.default is not NOT_PROVIDED
            }
    return {}


def _copy(
    cur: psycopg.Cursor[Any], table: str, columns: Sequence[str], lines: Iterable[str]
) -> int:
    """Stream text-format COPY lines (tab-separated, ``\\N`` for NULL, newline-terminated).
    Columns not written get their model default (as a column default until the commit)."""
    defaults = _model_defaults(table, columns)
    for column, value in defaults.items():
        cur.execute(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                sql.Identifier(table), sql.Identifier(column), sql.Literal(value)
            )
        )
    n = 0
    chunk: list[str] = []
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for line in lines:
            chunk.append(line)
            if len(chunk) >= 20_000:
                copy.write("".join(chunk))
                n += len(chunk)
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))
            n += len(chunk)
    # Dropped again after the commit (not before: the COPY left deferred trigger events).
    TEMPORARY_DEFAULTS.extend((table, column) for column in defaults)
    return n


def drop_temporary_defaults(conn: psycopg.Connection[Any]) -> None:
    """Remove the column defaults `_copy` added, so the schema is again what Django made."""
    while TEMPORARY_DEFAULTS:
        table, column = TEMPORARY_DEFAULTS.pop()
        conn.execute(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(
                sql.Identifier(table), sql.Identifier(column)
            )
        )


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


@dataclass
class Phases:
    """Wall-clock time per phase, printed as it goes and summarised at the end."""

    started: float = field(default_factory=time.perf_counter)
    rows: list[tuple[str, float, int | None]] = field(default_factory=list)

    def run(self, name: str, fn: Callable[[], int | None]) -> int | None:
        t0 = time.perf_counter()
        count = fn()
        elapsed = time.perf_counter() - t0
        self.rows.append((name, elapsed, count))
        extra = f"{count:>12,} rows" if count is not None else " " * 17
        print(f"  {name:<38} {extra} {elapsed:8.1f} s", flush=True)
        return count

    def total(self) -> float:
        return time.perf_counter() - self.started


# --- The generator --------------------------------------------------------------------------


@dataclass
class Config:
    posts: int
    employees: int
    communities: int
    tags: int
    seed: int
    until: datetime
    days: int
    memberships_per_employee: float
    zipf_exponent: float
    comments_per_post: float
    reactions_per_post: float
    profile_share: float


class Generator:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.until = int(cfg.until.timestamp())
        self.start = self.until - cfg.days * 86400
        # Employees joined up to 10 years, communities up to 1 year before the posts start.
        self.fmt = Timestamps(self.start // 86400 - 11 * 366, self.until // 86400 + 1)
        self.now_text = self.fmt(self.until)
        # Filled as the phases run.
        self.leaf_departments: list[int] = []
        self.referat_ids: list[int] = []
        self.members: list[list[int]] = []  # per community (index = id - 1): employee ids
        self.community_sizes: list[int] = []
        self.tag_names: list[str] = []
        self.tag_cum: list[float] = []
        self.post_ts = array("q")
        self.post_community = array("l")  # 0 = profile post
        self.post_author = array("l")
        self.hot_posts: set[int] = set()
        # Comments metadata (pass 1), indexed by comment id - 1.
        self.c_post = array("l")
        self.c_author = array("l")
        self.c_ts = array("q")
        self.c_parent = array("l")  # 0 = top level
        self.c_deleted = array("b")
        self.post_comment_count = array("l")
        self.post_last_activity = array("q")
        self.tagged_lines: list[str] = []
        rng = self.rng
        self.sentences = [
            html_pair(
                f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
                f"{rng.choice(TAILS)}"
            )
            for _ in range(4000)
        ]
        self.comment_sentences = [html_pair(bit) for bit in COMMENT_BITS]

    # People -------------------------------------------------------------------------------

    def departments(self, cur: psycopg.Cursor[Any]) -> int:
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

        def step(i: int) -> str:
            out = ""
            while True:
                i, r = divmod(i, 36)
                out = alphabet[r] + out
                if not i:
                    return out.rjust(4, "0")

        rows = [(1, "0001", 1, len(REFERATE), "Landeshauptstadt München", "LHM", 0)]
        next_id = 2
        for i, (code, name) in enumerate(REFERATE, start=1):
            path = "0001" + step(i)
            rid = next_id
            next_id += 1
            self.referat_ids.append(rid)
            rows.append((rid, path, 2, 4, name, code, i))
            for j in range(1, 5):
                rows.append(
                    (next_id, path + step(j), 3, 0, f"{name}, Abteilung {j}", f"{code}-{j}", j)
                )
                self.leaf_departments.append(next_id)
                next_id += 1
        now = self.now_text
        lines = (
            f"{i}\t{p}\t{d}\t{n}\t{_copy_text(name)}\t{code}\t{pos}\t{now}\t{now}\n"
            for i, p, d, n, name, code, pos in rows
        )
        cols = [
            "id",
            "path",
            "depth",
            "numchild",
            "name",
            "short_code",
            "position",
            "created_at",
            "updated_at",
        ]
        return _copy(cur, "people_department", cols, lines)

    def employees(self, cur: psycopg.Cursor[Any]) -> int:
        rng, fmt = self.rng, self.fmt
        cols = [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "personnel_number",
            "display_name",
            "job_title",
            "location",
            "room",
            "phone",
            "mobile",
            "about",
            "languages",
            "avatar",
            "email_visibility",
            "phone_visibility",
            "mobile_visibility",
            "location_visibility",
            "share_presence",
            "department_id",
        ]
        titles = ("Sachbearbeitung", "Teamleitung", "Referent*in", "Abteilungsleitung", "Azubi")

        def lines() -> Iterator[str]:
            for i in range(1, self.cfg.employees + 1):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                username = f"{_slug(first)}.{_slug(last)}.{i}"
                joined = fmt(self.start - rng.randrange(0, 10 * 365 * 86400))
                yield (
                    f"{i}\t!bench\tf\t{username}\t{first}\t{last}\t{username}@muenchen.de\tf\tt\t"
                    f"{joined}\tP{i:08d}\t\t{rng.choice(titles)}\tRathaus\t{rng.randrange(1, 500)}"
                    f"\t089 233-{rng.randrange(10000, 99999)}\t\t\t[]\t\teveryone\teveryone"
                    f"\tdepartment\teveryone\tf\t{rng.choice(self.leaf_departments)}\n"
                )

        return _copy(cur, "people_employee", cols, lines())

    def follows(self, cur: psycopg.Cursor[Any]) -> int:
        rng, n = self.rng, self.cfg.employees
        ids = list(range(1, n + 1))
        popularity = [1.0 / r for r in range(1, n + 1)]
        rng.shuffle(popularity)
        cum = _cum(popularity)

        def lines() -> Iterator[str]:
            fid = 0
            for follower in ids:
                k = rng.randrange(0, 21)
                if not k:
                    continue
                chosen = set(rng.choices(ids, cum_weights=cum, k=k))
                chosen.discard(follower)
                for followed in sorted(chosen):
                    fid += 1
                    ts = self.fmt(rng.randrange(self.start, self.until))
                    yield f"{fid}\t{ts}\t{followed}\t{follower}\n"

        return _copy(
            cur, "people_follow", ("id", "created_at", "followed_id", "follower_id"), lines()
        )

    # Communities ---------------------------------------------------------------------------

    def communities(self, cur: psycopg.Cursor[Any]) -> int:
        rng, cfg = self.rng, self.cfg
        sizes = zipf_sizes(
            cfg.communities,
            round(cfg.memberships_per_employee * cfg.employees),
            cfg.zipf_exponent,
            cap=max(3, int(cfg.employees * 0.6)),
            minimum=min(3, cfg.employees),
        )
        self.community_sizes = sizes
        population = range(1, cfg.employees + 1)
        self.members = [rng.sample(population, size) for size in sizes]
        cols = [
            "id",
            "name",
            "slug",
            "description",
            "avatar",
            "visibility",
            "join_policy",
            "is_archived",
            "archived_at",
            "created_at",
            "updated_at",
            "created_by_id",
            "department_id",
        ]

        def lines() -> Iterator[str]:
            for i in range(1, cfg.communities + 1):
                name = f"{rng.choice(TOPICS)} {rng.choice(DISTRICTS)}"
                roll = rng.random()
                if i <= 10 or roll < 0.80:
                    visibility, policy = "public", "open"
                elif roll < 0.92:
                    visibility, policy = "private", "request"
                else:
                    visibility, policy = "secret", "invitation"
                department = r"\N"
                if i > 10 and rng.random() < 0.10:
                    department = str(rng.choice(self.referat_ids))
                created = self.fmt(self.start - rng.randrange(0, 365 * 86400))
                owner = self.members[i - 1][0]
                yield (
                    f"{i}\t{name}\t{_slug(name)}-{i}\tCommunity {name} der Stadtverwaltung."
                    f"\t\t{visibility}\t{policy}\tf\t\\N\t{created}\t{created}\t{owner}"
                    f"\t{department}\n"
                )

        return _copy(cur, "communities_community", cols, lines())

    def memberships(self, cur: psycopg.Cursor[Any]) -> int:
        rng = self.rng

        def lines() -> Iterator[str]:
            mid = 0
            for c, members in enumerate(self.members, start=1):
                for j, employee in enumerate(members):
                    mid += 1
                    role = "owner" if j == 0 else "moderator" if j < 3 else "member"
                    joined = self.fmt(rng.randrange(self.start - 365 * 86400, self.until))
                    yield f"{mid}\t{role}\t{joined}\t{c}\t{employee}\n"

        cols = ("id", "role", "joined_at", "community_id", "employee_id")
        return _copy(cur, "communities_membership", cols, lines())

    # Hashtags ------------------------------------------------------------------------------

    def tags(self, cur: psycopg.Cursor[Any]) -> int:
        rng = self.rng
        names: list[str] = []
        seen: set[str] = set()
        combined = [f"{t}{d}" for t in TOPICS for d in DISTRICTS]
        combined += [f"{t}{y}" for t in TOPICS for y in (2023, 2024, 2025)]
        rng.shuffle(combined)
        candidates = [*TOPICS, *combined]
        for name in candidates:
            if name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
            if len(names) >= self.cfg.tags:
                break
        self.tag_names = names
        self.tag_cum = _cum([1.0 / r for r in range(1, len(names) + 1)])
        lines = (f"{i}\t{name}\t{_slug(name)}-{i}\n" for i, name in enumerate(names, start=1))
        return _copy(cur, "taggit_tag", ("id", "name", "slug"), lines)

    # Posts ---------------------------------------------------------------------------------

    def plan_posts(self) -> int:
        """Times, places and authors of the posts; then the comments (metadata only), from
        which each post's comment_count and last_activity_at follow."""
        rng, cfg = self.rng, self.cfg
        n = cfg.posts
        span = self.until - self.start
        self.post_ts = array("q", sorted(self.start + int(rng.random() * span) for _ in range(n)))
        community_ids = list(range(1, cfg.communities + 1))
        community_cum = _cum(self.community_sizes)
        for _ in range(n):
            if rng.random() < cfg.profile_share:
                self.post_community.append(0)
                self.post_author.append(rng.randrange(1, cfg.employees + 1))
            else:
                c = rng.choices(community_ids, cum_weights=community_cum)[0]
                self.post_community.append(c)
                self.post_author.append(rng.choice(self.members[c - 1]))
        self.hot_posts = {i for i in range(n) if rng.randrange(HOT_POST_EVERY) == 0}

        cid = 0
        until = self.until
        for i in range(n):
            t = self.post_ts[i]
            c = self.post_community[i]
            pool = self.members[c - 1] if c else None
            hot = i in self.hot_posts
            count = HOT_POST_COMMENTS if hot else _geometric(rng, cfg.comments_per_post, 40)
            times = sorted(
                min(until, t + 60 + int(rng.expovariate(1 / 21600))) for _ in range(count)
            )
            top_level: list[int] = []
            live = 0
            for ts in times:
                cid += 1
                parent = 0
                if not hot and top_level and rng.random() < 0.25:
                    parent = rng.choice(top_level)
                elif parent == 0:
                    top_level.append(cid)
                deleted = 0 if hot else int(rng.random() < 0.01)
                live += 1 - deleted
                author = rng.choice(pool) if pool else rng.randrange(1, cfg.employees + 1)
                self.c_post.append(i + 1)
                self.c_author.append(author)
                self.c_ts.append(ts)
                self.c_parent.append(parent)
                self.c_deleted.append(deleted)
            self.post_comment_count.append(live)
            self.post_last_activity.append(times[-1] if times else t)
        return None

    def posts(self, cur: psycopg.Cursor[Any]) -> int:
        rng, cfg, fmt = self.rng, self.cfg, self.fmt
        sentences = self.sentences
        tag_ids = list(range(1, len(self.tag_names) + 1))
        tag_cum = self.tag_cum
        tag_counts = (0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3)
        # Up to two pinned posts per community, chosen among its posts.
        by_community: dict[int, list[int]] = {}
        for i, c in enumerate(self.post_community):
            if c:
                by_community.setdefault(c, []).append(i)
        pinned: set[int] = set()
        for c in sorted(by_community):
            pinned.update(rng.sample(by_community[c], min(len(by_community[c]), rng.randrange(3))))
        del by_community
        cols = [
            "id",
            "body",
            "body_html",
            "created_at",
            "edited_at",
            "deleted_at",
            "last_activity_at",
            "is_pinned",
            "pinned_at",
            "comments_locked",
            "comment_count",
            "author_id",
            "community_id",
        ]
        tagged = self.tagged_lines
        self.tag_usage = [0] * len(tag_ids)

        def lines() -> Iterator[str]:
            tid = 0
            for i in range(cfg.posts):
                pid = i + 1
                ts = self.post_ts[i]
                paragraphs = []
                html_paragraphs = []
                for _ in range(rng.choice((1, 1, 2, 2, 3))):
                    picked = rng.sample(sentences, rng.randrange(1, 4))
                    paragraphs.append(" ".join(p[0] for p in picked))
                    html_paragraphs.append(" ".join(p[1] for p in picked))
                k = rng.choice(tag_counts)
                if k:
                    chosen = sorted(set(rng.choices(tag_ids, cum_weights=tag_cum, k=k)))
                    hashtags = " ".join("#" + self.tag_names[t - 1] for t in chosen)
                    paragraphs[-1] += " " + hashtags
                    html_paragraphs[-1] += " " + hashtags
                    for t in chosen:
                        tid += 1
                        tagged.append(f"{tid}\t{pid}\t{t}\n")
                        self.tag_usage[t - 1] += 1
                body = "\\n\\n".join(paragraphs)
                body_html = "".join(f"<p>{p}</p>" for p in html_paragraphs)
                created = fmt(ts)
                edited = fmt(ts + 600) if rng.random() < 0.03 else r"\N"
                deleted = fmt(ts + 3600) if rng.random() < 0.005 else r"\N"
                is_pinned = i in pinned
                pinned_at = fmt(ts + 120) if is_pinned else r"\N"
                c = self.post_community[i]
                yield (
                    f"{pid}\t{body}\t{body_html}\t{created}\t{edited}\t{deleted}"
                    f"\t{fmt(self.post_last_activity[i])}\t{'t' if is_pinned else 'f'}"
                    f"\t{pinned_at}\tf\t{self.post_comment_count[i]}\t{self.post_author[i]}"
                    f"\t{c if c else chr(92) + 'N'}\n"
                )

        return _copy(cur, "feed_post", cols, lines())

    def tagged_posts(self, cur: psycopg.Cursor[Any]) -> int:
        n = _copy(cur, "feed_taggedpost", ("id", "content_object_id", "tag_id"), self.tagged_lines)
        self.tagged_lines = []
        return n

    def comments(self, cur: psycopg.Cursor[Any]) -> int:
        rng, fmt = self.rng, self.fmt
        bits = self.comment_sentences
        cols = "id body body_html created_at edited_at deleted_at author_id parent_id post_id"

        def lines() -> Iterator[str]:
            for j in range(len(self.c_post)):
                picked = rng.sample(bits, rng.randrange(1, 3))
                body = " ".join(p[0] for p in picked)
                body_html = "<p>" + " ".join(p[1] for p in picked) + "</p>"
                ts = self.c_ts[j]
                deleted = fmt(ts + 300) if self.c_deleted[j] else r"\N"
                parent = self.c_parent[j]
                yield (
                    f"{j + 1}\t{body}\t{body_html}\t{fmt(ts)}\t\\N\t{deleted}\t{self.c_author[j]}"
                    f"\t{parent if parent else chr(92) + 'N'}\t{self.c_post[j]}\n"
                )

        return _copy(cur, "feed_comment", cols.split(), lines())

    def reactions(self, cur: psycopg.Cursor[Any]) -> int:
        rng, cfg, fmt = self.rng, self.cfg, self.fmt
        population = range(1, cfg.employees + 1)
        kind_cum = _cum(REACTION_WEIGHTS)
        cols = ("id", "kind", "created_at", "comment_id", "employee_id", "post_id")

        def lines() -> Iterator[str]:
            rid = 0
            for i in range(cfg.posts):
                hot = i in self.hot_posts
                n = 20 if hot else _geometric(rng, cfg.reactions_per_post, 200)
                if not n:
                    continue
                ts = self.post_ts[i]
                kinds = rng.choices(REACTION_KINDS, cum_weights=kind_cum, k=n)
                for employee, kind in zip(rng.sample(population, n), kinds, strict=True):
                    rid += 1
                    when = fmt(min(self.until, ts + 30 + int(rng.expovariate(1 / 7200))))
                    yield f"{rid}\t{kind}\t{when}\t\\N\t{employee}\t{i + 1}\n"
            for j in range(len(self.c_post)):
                if self.c_deleted[j] or rng.random() >= 0.15:
                    continue
                n = rng.randrange(1, 4)
                ts = self.c_ts[j]
                kinds = rng.choices(REACTION_KINDS, cum_weights=kind_cum, k=n)
                for employee, kind in zip(rng.sample(population, n), kinds, strict=True):
                    rid += 1
                    when = fmt(min(self.until, ts + 30 + int(rng.expovariate(1 / 3600))))
                    yield f"{rid}\t{kind}\t{when}\t{j + 1}\t{employee}\t\\N\n"

        return _copy(cur, "feed_reaction", cols, lines())

    def saved_posts(self, cur: psycopg.Cursor[Any]) -> int:
        rng, cfg = self.rng, self.cfg

        def lines() -> Iterator[str]:
            sid = 0
            for employee in range(1, cfg.employees + 1):
                k = rng.randrange(0, 6)
                for post in sorted({rng.randrange(1, cfg.posts + 1) for _ in range(k)}):
                    sid += 1
                    when = self.fmt(max(self.post_ts[post - 1], self.until - 86400))
                    yield f"{sid}\t{when}\t{employee}\t{post}\n"

        return _copy(cur, "feed_savedpost", ("id", "created_at", "employee_id", "post_id"), lines())


def html_pair(text: str) -> tuple[str, str]:
    """(body as a COPY field, its HTML-escaped form as a COPY field)."""
    return _copy_text(text), _copy_text(html.escape(text, quote=False))


# --- Indexes and constraints ----------------------------------------------------------------


def detach_indexes(cur: psycopg.Cursor[Any], tables: Sequence[str]) -> list[str]:
    """Drop the unique/foreign-key constraints and secondary indexes of `tables` (primary keys
    and check constraints stay); return the statements that re-create them."""
    restore_indexes: list[str] = []
    restore_unique: list[str] = []
    restore_fk: list[str] = []
    for table in tables:
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype, conname",
            (table,),
        )
        constraints = cur.fetchall()
        for name, definition, kind in constraints:
            statement = f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            (restore_fk if kind == "f" else restore_unique).append(statement)
        for name, _definition, _kind in sorted(constraints, key=lambda c: c[2] != "f"):
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cur.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
            "ORDER BY i.relname",
            (table,),
        )
        for name, definition in cur.fetchall():
            restore_indexes.append(definition)
            cur.execute(f'DROP INDEX "{name}"')
    return restore_indexes + restore_unique + restore_fk


# --- Command line ---------------------------------------------------------------------------


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    scheme = urlparse(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(
            "DATABASE_URL must point to PostgreSQL (postgres://...); this benchmark refuses "
            f"SQLite and other databases (got {scheme or 'nothing'!r})."
        )
    return "postgresql" + url[len(scheme) :]


def parse_args(argv: Sequence[str] | None) -> tuple[Config, bool]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.feed_data", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="full", help="preset sizes")
    parser.add_argument("--posts", type=int)
    parser.add_argument("--employees", type=int)
    parser.add_argument("--communities", type=int)
    parser.add_argument("--tags", type=int, help="distinct hashtags")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--until",
        default="2025-06-30",
        help="newest possible timestamp (UTC date); fixed so "
        "that the same seed gives the same rows",
    )
    parser.add_argument("--days", type=int, default=730, help="time span of the posts")
    parser.add_argument("--memberships-per-employee", type=float, default=20.0)
    parser.add_argument("--zipf-exponent", type=float, default=1.0)
    parser.add_argument("--comments-per-post", type=float, default=1.5)
    parser.add_argument("--reactions-per-post", type=float, default=3.0)
    parser.add_argument("--profile-share", type=float, default=0.10)
    parser.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    args = parser.parse_args(argv)
    preset = SCALES[args.scale]
    until = datetime.combine(date.fromisoformat(args.until), datetime.min.time(), tzinfo=UTC)
    cfg = Config(
        posts=args.posts or preset["posts"],
        employees=args.employees or preset["employees"],
        communities=args.communities or preset["communities"],
        tags=args.tags or preset["tags"],
        seed=args.seed,
        until=until + timedelta(hours=12),
        days=args.days,
        memberships_per_employee=args.memberships_per_employee,
        zipf_exponent=args.zipf_exponent,
        comments_per_post=args.comments_per_post,
        reactions_per_post=args.reactions_per_post,
        profile_share=args.profile_share,
    )
    if cfg.employees < 10 or cfg.communities < 1 or cfg.posts < 1:
        parser.error("need at least 10 employees, 1 community and 1 post")
    return cfg, args.force


def main(argv: Sequence[str] | None = None) -> int:
    cfg, force = parse_args(argv)
    url = database_url()
    dbname = urlparse(url).path.lstrip("/")
    if "bench" not in dbname and not force:
        raise SystemExit(
            f"Refusing to empty database {dbname!r}: use a dedicated database whose name "
            "contains 'bench' (or pass --force)."
        )
    print(
        f"WILMA feed data: {cfg.posts:,} posts, {cfg.employees:,} employees, "
        f"{cfg.communities:,} communities, up to {cfg.tags:,} hashtags, "
        f"seed {cfg.seed} -> {dbname}",
        flush=True,
    )
    gen = Generator(cfg)
    phases = Phases()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('feed_post') IS NOT NULL")
        row = cur.fetchone()
        if not row or not row[0]:
            raise SystemExit("No WILMA schema: run `python manage.py migrate` first.")
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        restore: list[str] = []

        def prepare() -> None:
            cur.execute(f"TRUNCATE {', '.join(ROOT_TABLES)} RESTART IDENTITY CASCADE")
            restore.extend(detach_indexes(cur, BULK_TABLES))

        phases.run("truncate + drop secondary indexes", lambda: prepare())
        phases.run("departments", lambda: gen.departments(cur))
        phases.run("employees", lambda: gen.employees(cur))
        phases.run("follows", lambda: gen.follows(cur))
        phases.run("communities (Zipf sizes)", lambda: gen.communities(cur))
        phases.run("memberships", lambda: gen.memberships(cur))
        phases.run("hashtags", lambda: gen.tags(cur))
        phases.run("plan posts + comments (in memory)", gen.plan_posts)
        phases.run("posts", lambda: gen.posts(cur))
        phases.run("tagged posts", lambda: gen.tagged_posts(cur))
        phases.run("comments", lambda: gen.comments(cur))
        phases.run("reactions (posts + comments)", lambda: gen.reactions(cur))
        phases.run("saved posts", lambda: gen.saved_posts(cur))

        def rebuild() -> None:
            for statement in restore:
                cur.execute(statement)
            for table in SEQUENCED_TABLES:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                )

        phases.run(f"indexes + constraints ({len(restore)})", lambda: rebuild())
        phases.run("commit", lambda: conn.commit())
    with psycopg.connect(url, autocommit=True) as conn:
        drop_temporary_defaults(conn)
        tables = ("people_employee", "communities_community", "taggit_tag", *BULK_TABLES)

        def vacuum() -> None:
            conn.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")

        phases.run("vacuum (analyze)", vacuum)
        summary(conn, gen)
    print(f"  {'total':<38} {'':>17} {phases.total():8.1f} s", flush=True)
    return 0


def summary(conn: psycopg.Connection[Any], gen: Generator) -> None:
    sizes = sorted(gen.community_sizes, reverse=True)
    print(
        f"community sizes (Zipf s={gen.cfg.zipf_exponent}): top 5 {sizes[:5]}, "
        f"median {sizes[len(sizes) // 2]}, smallest {sizes[-1]}"
    )
    row = conn.execute(
        "SELECT min(n), round(avg(n), 1), max(n) FROM (SELECT count(*) AS n "
        "FROM communities_membership GROUP BY employee_id) s"
    ).fetchone()
    print(f"memberships per employee: min/avg/max {row}")
    top = sorted(range(len(gen.tag_usage)), key=lambda t: -gen.tag_usage[t])[:3]
    print("top hashtags: " + ", ".join(f"#{gen.tag_names[t]} ({gen.tag_usage[t]:,})" for t in top))
    print(f"hot posts (exactly {HOT_POST_COMMENTS} comments): {len(gen.hot_posts):,}")
    row = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
    print(f"database size: {row[0] if row else '?'}")


if __name__ == "__main__":
    sys.exit(main())
