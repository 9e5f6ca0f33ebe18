"""Search relevance benchmark, part 3: load the corpus, search it under each configuration, score.

Usage (PostgreSQL only; the database must be migrated and is EMPTIED first)::

    createdb -h 127.0.0.1 -U postgres wilma_relevance_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wilma_relevance_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.search_relevance                  # seed 1, all configurations
    .venv/bin/python -m bench.search_relevance --json var/relevance.json --weakest 20

What it does:

1. builds the corpus of ``bench/search_corpus.py`` (German intranet posts, comments,
   communities and profiles with planted relevant documents and hard negatives, graded 0-3)
   and writes it as real rows (departments through treebeard, then ``bulk_create`` with fixed
   primary keys and timestamps), all communities public; the searcher is an ordinary employee;
2. for each configuration, rebuilds the index through the real adapter
   (``search.postgres.PostgresSearchBackend``) and runs every query through ``search()`` with
   the default page of 20 hits. The configurations are cumulative:

   - ``plain``: no folding, no stop words, no stemming, no decompounding, no department
     abbreviations, no name matching (lower-cased words only, like PostgreSQL ``simple``);
   - ``+snowball``: Snowball German stemming and German stop words;
   - ``+folding``: ä/ae, ö/oe, ü/ue, ß/ss folding;
   - ``+decompound``: compound parts from the lexicon and from hyphens;
   - ``+abbrev``: department abbreviations expand to names and back;
   - ``full``: + phonetic name matching: the production configuration;
   - ``bm25``: a reference outside our analysis: ``bm25s`` (Lucene BM25, k1 1.5, b 0.75) over
     the same documents (``search.documents``: title + text), tokenized by its own regex,
     lower-cased, German stop words, Snowball German stemming (PyStemmer); quotes and ``*``
     are dropped from the queries (it has no phrase or prefix search);
3. scores nDCG@10, MRR@10 and Recall@20 (rules in ``bench/search_metrics.py``) per query class
   and overall, prints one table per metric, the target checks as PASS/FAIL lines and the
   weakest queries of the full configuration with what came back. Exit code 0 whatever the
   figures (it is a benchmark); ``--json FILE`` saves every figure and ranking.

Targets (issue 5 §4), for ``full``: nDCG@10 >= 0.85 overall, >= 0.7 in every class, and above
the BM25 reference overall.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench.search_corpus import CLASSES, DEFAULT_SEED, Corpus, Doc, build_corpus, summary
from bench.search_metrics import Aggregate, QueryScore, by_class, score_query

RESULTS = 20  # the API's default page: what a user sees first
KIND_OF_HIT = {"person": "employee", "community": "community", "post": "post", "comment": "comment"}
BASE_TIME = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Configuration:
    name: str
    fold: bool
    stopwords: bool
    stem: bool
    decompound: bool
    abbreviations: bool
    name_matching: bool


CONFIGURATIONS = (
    Configuration("plain", False, False, False, False, False, False),
    Configuration("+snowball", False, True, True, False, False, False),
    Configuration("+folding", True, True, True, False, False, False),
    Configuration("+decompound", True, True, True, True, False, False),
    Configuration("+abbrev", True, True, True, True, True, False),
    Configuration("full", True, True, True, True, True, True),
)
BM25 = "bm25"
FULL = "full"


# --- Command line -----------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.search_relevance", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", type=Path, help="save all figures and rankings to this file")
    parser.add_argument(
        "--configs",
        default=",".join([c.name for c in CONFIGURATIONS] + [BM25]),
        help="comma-separated subset of: " + ", ".join([c.name for c in CONFIGURATIONS] + [BM25]),
    )
    parser.add_argument(
        "--weakest", type=int, default=15, help="how many weakest queries of 'full' to show"
    )
    parser.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    return parser.parse_args(argv)


def check_database(force: bool) -> str:
    url = os.environ.get("DATABASE_URL", "")
    scheme = urlparse(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(
            "DATABASE_URL must point to PostgreSQL (postgres://...); this benchmark measures the "
            f"PostgreSQL adapter (got {scheme or 'nothing'!r})."
        )
    dbname = urlparse(url).path.lstrip("/")
    if "bench" not in dbname and not force:
        raise SystemExit(
            f"Refusing to empty database {dbname!r}: use a dedicated database whose name "
            "contains 'bench' (or pass --force)."
        )
    return dbname


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    dbname = check_database(args.force)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wilma.settings")
    import django

    django.setup()
    wanted = [name.strip() for name in args.configs.split(",") if name.strip()]
    known = {c.name for c in CONFIGURATIONS} | {BM25}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise SystemExit(f"unknown configuration(s): {', '.join(unknown)}")

    started = time.perf_counter()
    corpus = build_corpus(args.seed)
    generated = time.perf_counter() - started
    counts = summary(corpus)
    print(
        f"WILMA search relevance benchmark: seed {args.seed} -> {dbname}\n"
        f"corpus: {counts['documents']:,} documents ({counts['employee']} people, "
        f"{counts['community']} communities, {counts['post']:,} posts, {counts['comment']:,} "
        f"comments; {counts['planted']} planted), {counts['queries']} queries, "
        f"{counts['judged relevant (grade > 0)']} relevance judgments; generated in "
        f"{generated:.2f} s",
        flush=True,
    )
    started = time.perf_counter()
    load(corpus)
    loaded = time.perf_counter() - started
    print(f"loaded into PostgreSQL in {loaded:.1f} s", flush=True)

    runs: dict[str, Run] = {}
    for config in CONFIGURATIONS:
        if config.name in wanted:
            runs[config.name] = run_adapter(corpus, config)
            print(f"  {runs[config.name].describe()}", flush=True)
    if BM25 in wanted:
        runs[BM25] = run_bm25(corpus)
        print(f"  {runs[BM25].describe()}", flush=True)

    print()
    print_tables(runs)
    verdicts = check_targets(runs)
    for line in verdicts:
        print(line)
    if FULL in runs and args.weakest > 0:
        print()
        print_weakest(corpus, runs[FULL], args.weakest)
    if args.json:
        save_json(args.json, corpus, runs, verdicts, generated, loaded)
        print(f"\nfigures saved to {args.json}")
    return 0


# --- Loading the corpus -----------------------------------------------------------------------

TABLES = (
    "search_indextask",
    "search_searchentry",
    "feed_comment",
    "feed_taggedpost",
    "feed_post",
    "communities_membership",
    "communities_community",
    "taggit_taggeditem",
    "taggit_tag",
    "people_employee",
    "people_department",
)


def _moment(doc_id: int, spread_minutes: int = 525_600) -> datetime:
    """A fixed, well-spread timestamp for an id (the same for every run)."""
    return BASE_TIME + timedelta(minutes=(doc_id * 7919) % spread_minutes)


def load(corpus: Corpus) -> None:
    """Write the corpus as the application's rows, replacing whatever was there."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from taggit.models import Tag, TaggedItem

    from communities.models import Community, JoinPolicy, Visibility
    from feed.models import Comment, Post, TaggedPost
    from people.models import Department, Employee
    from search.models import IndexTask
    from search.query import forget_abbreviations

    with transaction.atomic():
        with connection.cursor() as cursor:
            existing = [t for t in TABLES if t in connection.introspection.table_names()]
            cursor.execute(f"TRUNCATE {', '.join(existing)} RESTART IDENTITY CASCADE")

        departments: dict[str, Department] = {}
        for position, spec in enumerate(corpus.departments):
            fields = {"name": spec.name, "short_code": spec.code, "position": position}
            if spec.parent is None:
                departments[spec.code] = Department.objects.add_root(create_kwargs=fields)
            else:
                departments[spec.code] = Department.objects.add_child(
                    departments[spec.parent], create_kwargs=fields
                )

        employees = corpus.by_kind("employee")
        Employee.objects.bulk_create(
            [
                Employee(
                    id=d.id,
                    username=f"bench{d.id}",
                    password="!",
                    first_name=d.first_name,
                    last_name=d.last_name,
                    email=f"bench{d.id}@muenchen.example",
                    job_title=d.job_title,
                    department=departments[d.department],
                    about=d.about,
                    location=d.location,
                    is_active=True,
                    date_joined=_moment(d.id),
                )
                for d in employees
            ],
            batch_size=1000,
        )
        communities = corpus.by_kind("community")
        Community.objects.bulk_create(
            [
                Community(
                    id=d.id,
                    name=d.name,
                    slug=f"c{d.id}",
                    description=d.description,
                    visibility=Visibility.PUBLIC,
                    join_policy=JoinPolicy.OPEN,
                )
                for d in communities
            ]
        )
        posts = corpus.by_kind("post")
        Post.objects.bulk_create(
            [
                Post(
                    id=d.id,
                    author_id=d.author,
                    community_id=d.community,
                    body=d.body,
                    body_html=_html(d.body),
                    last_activity_at=_moment(d.id),
                )
                for d in posts
            ],
            batch_size=1000,
        )
        comments = corpus.by_kind("comment")
        Comment.objects.bulk_create(
            [
                Comment(
                    id=d.id,
                    post_id=d.post,
                    author_id=d.author,
                    body=d.body,
                    body_html=_html(d.body),
                )
                for d in comments
            ],
            batch_size=1000,
        )

        # Skills, community tags and hashtags.
        names = sorted(
            {s for d in employees for s in d.skills}
            | {t for d in communities for t in d.tags}
            | {h for d in posts for h in d.hashtags},
            key=str.lower,
        )
        tags: dict[str, Tag] = {}
        for i, name in enumerate(names, start=1):
            tags.setdefault(name.lower(), Tag(id=i, name=name, slug=f"t{i}"))
        Tag.objects.bulk_create(list(tags.values()))
        employee_type = ContentType.objects.get_for_model(Employee)
        community_type = ContentType.objects.get_for_model(Community)
        TaggedItem.objects.bulk_create(
            [
                TaggedItem(content_type=employee_type, object_id=d.id, tag=tags[s.lower()])
                for d in employees
                for s in d.skills
            ]
            + [
                TaggedItem(content_type=community_type, object_id=d.id, tag=tags[t.lower()])
                for d in communities
                for t in d.tags
            ],
            batch_size=2000,
        )
        TaggedPost.objects.bulk_create(
            [
                TaggedPost(content_object_id=d.id, tag=tags[h.lower()])
                for d in posts
                for h in dict.fromkeys(h.lower() for h in d.hashtags)
            ],
            batch_size=2000,
        )

        # auto_now_add stamped "now": give every row its fixed time instead.
        with connection.cursor() as cursor:
            for table in ("communities_community", "feed_post", "feed_comment"):
                cursor.execute(
                    f"UPDATE {table} SET created_at = %s + make_interval(mins => ((id * 7919) %% "
                    "525600)::int)",
                    [BASE_TIME],
                )
            for table in TABLES:
                if table in ("search_indextask",):
                    continue
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
        IndexTask.objects.all().delete()  # the rebuild below indexes everything anyway
    forget_abbreviations()
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE people_employee, communities_community, feed_post, feed_comment, "
            "taggit_taggeditem"
        )


def _html(body: str) -> str:
    return f"<p>{html.escape(body)}</p>"


# --- Running a configuration ------------------------------------------------------------------


@dataclass
class Run:
    name: str
    rankings: dict[str, list[str]]  # qid -> document keys, best first
    scores: list[QueryScore]
    index_seconds: float
    query_seconds: float
    indexed: int

    @property
    def classes(self) -> dict[str, Aggregate]:
        return by_class(self.scores)

    def describe(self) -> str:
        overall = self.classes["overall"]
        return (
            f"{self.name:<12} indexed {self.indexed:,} documents in {self.index_seconds:5.1f} s, "
            f"{len(self.scores)} queries in {self.query_seconds:5.2f} s: "
            f"nDCG@10 {overall.ndcg:.3f}, MRR@10 {overall.mrr:.3f}, Recall@20 {overall.recall:.3f}"
        )


def _score(corpus: Corpus, name: str, rankings: dict[str, list[str]], **timing: Any) -> Run:
    scores = [
        score_query(q.qid, q.cls, rankings[q.qid], corpus.judgments[q.qid]) for q in corpus.queries
    ]
    return Run(name, rankings, scores, **timing)


def run_adapter(corpus: Corpus, config: Configuration) -> Run:
    from people.models import Employee
    from search.analysis import Analyzer, AnalyzerConfig
    from search.postgres import PostgresSearchBackend
    from search.query import ParsedQuery, SearchRequest, parse

    class BenchBackend(PostgresSearchBackend):
        """The production adapter; only the abbreviation switch of the parser is exposed."""

        def parse(self, q: str) -> ParsedQuery:
            return parse(
                q,
                analyzer=self.analyzer,
                name_matching=self.name_matching,
                abbreviations=config.abbreviations,
            )

    analyzer = Analyzer(
        AnalyzerConfig(
            fold=config.fold,
            stopwords=config.stopwords,
            stem=config.stem,
            decompound=config.decompound,
        )
    )
    backend = BenchBackend(analyzer=analyzer, name_matching=config.name_matching)
    started = time.perf_counter()
    indexed = backend.rebuild()
    index_seconds = time.perf_counter() - started
    viewer = Employee.objects.get(pk=corpus.viewer)
    rankings: dict[str, list[str]] = {}
    started = time.perf_counter()
    for q in corpus.queries:
        result = backend.search(SearchRequest(q=q.text, limit=RESULTS), viewer)
        rankings[q.qid] = [f"{KIND_OF_HIT[h.kind]}:{h.object_id}" for h in result.hits]
    query_seconds = time.perf_counter() - started
    return _score(
        corpus,
        config.name,
        rankings,
        index_seconds=index_seconds,
        query_seconds=query_seconds,
        indexed=indexed,
    )


def run_bm25(corpus: Corpus) -> Run:
    """The reference: bm25s over the adapter's documents, with its own tokenization."""
    import logging

    import bm25s
    import Stemmer

    from search import documents

    logging.getLogger("bm25s").setLevel(logging.WARNING)

    stemmer = Stemmer.Stemmer("german")
    keys: list[str] = []
    texts: list[str] = []
    started = time.perf_counter()
    for kind, model in documents.MODELS.items():
        ids = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 2000):
            for doc in documents.load(kind, ids[start : start + 2000]):
                keys.append(f"{KIND_OF_HIT[doc.kind]}:{doc.object_id}")
                texts.append(f"{doc.title}\n{doc.body}")
    tokens = bm25s.tokenize(
        texts, stopwords="de", stemmer=stemmer.stemWords, return_ids=False, show_progress=False
    )
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    retriever.index(tokens, show_progress=False)
    vocabulary = {token for doc_tokens in tokens for token in doc_tokens}
    index_seconds = time.perf_counter() - started
    rankings: dict[str, list[str]] = {}
    started = time.perf_counter()
    for q in corpus.queries:
        plain = re.sub(r'["*]', " ", q.text)
        query_tokens = bm25s.tokenize(
            [plain],
            stopwords="de",
            stemmer=stemmer.stemWords,
            return_ids=False,
            show_progress=False,
        )[0]
        query_tokens = [t for t in query_tokens if t in vocabulary]
        if not query_tokens:
            rankings[q.qid] = []
            continue
        results, scores = retriever.retrieve(
            [query_tokens], k=RESULTS, show_progress=False, n_threads=1
        )
        rankings[q.qid] = [
            keys[int(i)] for i, s in zip(results[0], scores[0], strict=True) if float(s) > 0
        ]
    query_seconds = time.perf_counter() - started
    return _score(
        corpus,
        BM25,
        rankings,
        index_seconds=index_seconds,
        query_seconds=query_seconds,
        indexed=len(keys),
    )


# --- Reporting --------------------------------------------------------------------------------

METRICS = (("ndcg", "nDCG@10"), ("mrr", "MRR@10"), ("recall", "Recall@20"))
LABELS = {"sz": "ß/ss"}


def print_tables(runs: dict[str, Run]) -> None:
    names = list(runs)
    per_run = {name: run.classes for name, run in runs.items()}
    rows = [cls for cls in CLASSES if any(cls in c for c in per_run.values())] + ["overall"]
    for attr, label in METRICS:
        print(f"{label:<17}" + "".join(f"{name:>13}" for name in names))
        for cls in rows:
            count = next(iter(per_run.values()))[cls].queries
            cells = "".join(f"{getattr(per_run[name][cls], attr):>13.3f}" for name in names)
            print(f"{LABELS.get(cls, cls) + f' ({count})':<17}{cells}")
        print()


def check_targets(runs: dict[str, Run]) -> list[str]:
    if FULL not in runs:
        return ["SKIP targets: the full configuration was not run"]
    classes = runs[FULL].classes
    overall = classes["overall"].ndcg
    lines = [_verdict(overall >= 0.85, f"full nDCG@10 overall {overall:.3f} >= 0.85")]
    for cls in CLASSES:
        if cls in classes:
            value = classes[cls].ndcg
            lines.append(_verdict(value >= 0.7, f"full nDCG@10 {cls} {value:.3f} >= 0.70"))
    if BM25 in runs:
        bm25 = runs[BM25].classes["overall"].ndcg
        lines.append(
            _verdict(overall > bm25, f"full nDCG@10 overall {overall:.3f} > BM25 {bm25:.3f}")
        )
    else:
        lines.append("SKIP full ahead of BM25: the BM25 reference was not run")
    return lines


def _verdict(ok: bool, text: str) -> str:
    return f"{'PASS' if ok else 'FAIL'} {text}"


def _label(corpus: Corpus, doc: Doc) -> str:
    text = " ".join(corpus.text(doc).split())
    return text if len(text) <= 70 else text[:67] + "..."


def print_weakest(corpus: Corpus, run: Run, limit: int) -> None:
    docs = {d.key: d for d in corpus.docs}
    queries = {q.qid: q for q in corpus.queries}
    weakest = sorted(run.scores, key=lambda s: (s.ndcg, s.mrr, s.recall, s.qid))[:limit]
    print(f"Weakest {len(weakest)} queries of '{run.name}' (by nDCG@10):")
    for s in weakest:
        q = queries[s.qid]
        judged = corpus.judgments[s.qid]
        print(
            f"- {s.qid} [{q.cls}] {q.text!r}: nDCG@10 {s.ndcg:.2f}, MRR@10 {s.mrr:.2f}, "
            f"Recall@20 {s.recall:.2f}"
        )
        ranking = run.rankings[s.qid]
        for rank, key in enumerate(ranking[:5], start=1):
            print(f"    {rank:>2}. g{judged.get(key, 0)} {key:<14} {_label(corpus, docs[key])}")
        if not ranking:
            print("    (no results)")
        top10 = set(ranking[:10])
        missed = sorted(
            (key for key, g in judged.items() if g >= 2 and key not in top10),
            key=lambda key: -judged[key],
        )
        for key in missed[:4]:
            where = ranking.index(key) + 1 if key in ranking else None
            place = f"rank {where}" if where else "not returned"
            print(f"    missed g{judged[key]} {key:<14} ({place}) {_label(corpus, docs[key])}")


def save_json(
    path: Path,
    corpus: Corpus,
    runs: dict[str, Run],
    verdicts: list[str],
    generated: float,
    loaded: float,
) -> None:
    data = {
        "seed": corpus.seed,
        "corpus": summary(corpus),
        "generation_seconds": round(generated, 3),
        "load_seconds": round(loaded, 3),
        "targets": verdicts,
        "queries": {
            q.qid: {"class": q.cls, "query": q.text, "judgments": corpus.judgments[q.qid]}
            for q in corpus.queries
        },
        "configurations": {
            name: {
                "index_seconds": round(run.index_seconds, 3),
                "query_seconds": round(run.query_seconds, 3),
                "indexed": run.indexed,
                "classes": {cls: asdict(agg) for cls, agg in run.classes.items()},
                "per_query": {
                    s.qid: {
                        "ndcg": s.ndcg,
                        "mrr": s.mrr,
                        "recall": s.recall,
                        "ranking": run.rankings[s.qid],
                    }
                    for s in run.scores
                },
            }
            for name, run in runs.items()
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.exit(main())
