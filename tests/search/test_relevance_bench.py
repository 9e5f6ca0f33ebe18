"""The relevance benchmark's own correctness: the scorer against hand-computed values, and the
corpus (deterministic, fully judged, every class covered). Pure Python: no database needed."""

from __future__ import annotations

import math

import pytest

from bench import search_relevance
from bench.search_corpus import CLASSES, Doc, build_corpus, fold, validate
from bench.search_metrics import (
    QueryScore,
    by_class,
    dcg,
    ndcg,
    recall,
    reciprocal_rank,
    score_query,
)

pytestmark = pytest.mark.embedded

JUDGED = {"a": 3, "b": 2, "c": 1, "z": 0}


# --- Metrics ----------------------------------------------------------------------------------


def test_dcg_uses_linear_gain_and_log2_discount() -> None:
    # 3/log2(2) + 2/log2(3) + 1/log2(4)
    assert dcg([3, 2, 1]) == pytest.approx(3 + 2 / math.log2(3) + 0.5)


def test_ndcg_hand_computed() -> None:
    # Ranking b, x, a: DCG = 2/1 + 0 + 3/2 = 3.5; ideal 3, 2, 1 = 4.7618595...
    assert ndcg(["b", "x", "a"], JUDGED) == pytest.approx(3.5 / 4.7618595, abs=1e-6)
    assert ndcg(["b", "x", "a"], JUDGED) == pytest.approx(0.735006, abs=1e-6)


def test_ndcg_bounds() -> None:
    assert ndcg(["a", "b", "c"], JUDGED) == pytest.approx(1.0)
    assert ndcg(["z", "x"], JUDGED) == 0.0
    assert ndcg([], JUDGED) == 0.0
    assert ndcg(["a"], {"z": 0}) == 0.0  # nothing relevant: 0, not a division by zero


def test_ndcg_cuts_at_ten_and_counts_a_repeated_document_once() -> None:
    ranking = [f"x{i}" for i in range(10)] + ["a"]
    assert ndcg(ranking, JUDGED) == 0.0
    # "a" repeated does not collect its gain twice: a, a, b == a, b
    assert ndcg(["a", "a", "b"], JUDGED) == pytest.approx(ndcg(["a", "b"], JUDGED))
    # The ideal is cut at 10 too: 12 documents of grade 1, ten of them found at the top -> 1.0
    many = {f"d{i}": 1 for i in range(12)}
    assert ndcg([f"d{i}" for i in range(10)], many) == pytest.approx(1.0)


def test_reciprocal_rank_needs_grade_two_within_ten() -> None:
    assert reciprocal_rank(["c", "x", "b", "a"], JUDGED) == pytest.approx(1 / 3)  # c is grade 1
    assert reciprocal_rank(["a"], JUDGED) == 1.0
    assert reciprocal_rank(["c", "z"], JUDGED) == 0.0
    assert reciprocal_rank([f"x{i}" for i in range(10)] + ["a"], JUDGED) == 0.0


def test_recall_counts_grade_one_and_caps_the_denominator_at_twenty() -> None:
    assert recall(["a", "x", "c"], JUDGED) == pytest.approx(2 / 3)
    assert recall(["z"], JUDGED) == 0.0
    many = {f"d{i}": 1 for i in range(25)}
    assert recall([f"d{i}" for i in range(20)], many) == 1.0
    assert recall([f"d{i}" for i in range(30)], many) == 1.0  # only the top 20 are read
    assert recall([f"d{i}" for i in range(10)], many) == 0.5


def test_class_and_overall_figures_are_macro_averages_over_queries() -> None:
    scores = [
        QueryScore("q1", "names", 1.0, 1.0, 1.0),
        QueryScore("q2", "names", 0.0, 0.5, 0.5),
        QueryScore("q3", "phrase", 0.4, 0.0, 0.2),
    ]
    figures = by_class(scores)
    assert figures["names"].ndcg == pytest.approx(0.5)
    assert figures["names"].mrr == pytest.approx(0.75)
    assert figures["phrase"].queries == 1
    # Overall weighs every query the same, not every class.
    assert figures["overall"].ndcg == pytest.approx(1.4 / 3)
    assert figures["overall"].recall == pytest.approx(1.7 / 3)
    assert score_query("q", "names", ["a"], JUDGED).mrr == 1.0


# --- Corpus -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(1)


def test_the_same_seed_gives_the_same_corpus(corpus) -> None:
    again = build_corpus(1)
    assert [(d.key, d.body, d.name, d.last_name, d.author, d.post) for d in again.docs] == [
        (d.key, d.body, d.name, d.last_name, d.author, d.post) for d in corpus.docs
    ]
    assert again.judgments == corpus.judgments
    assert again.viewer == corpus.viewer


def test_another_seed_shuffles_the_documents_but_keeps_the_queries(corpus) -> None:
    other = build_corpus(2)
    assert [q.text for q in other.queries] == [q.text for q in corpus.queries]
    assert [d.body for d in other.by_kind("post")] != [d.body for d in corpus.by_kind("post")]
    assert validate(other) == []


def test_corpus_is_consistent_and_covers_every_class(corpus) -> None:
    assert validate(corpus) == []
    assert 3000 <= len(corpus.docs) <= 8000
    for cls in CLASSES:
        assert sum(1 for q in corpus.queries if q.cls == cls) >= 8, cls
    ids = {kind: [d.id for d in corpus.by_kind(kind)] for kind in ("employee", "post")}
    assert all(len(set(v)) == len(v) for v in ids.values())


def test_validation_catches_an_unjudged_relevant_document(corpus) -> None:
    corpus.docs.append(Doc("post", id=999_999, body="Mein Antrag auf Sonderurlaub ist durch."))
    try:
        problems = validate(corpus)
    finally:
        corpus.docs.pop()
    assert any("post:999999" in p and "'antrag'" in p for p in problems)


def test_judgments_come_from_the_generation_rules(corpus) -> None:
    docs = {d.key: d for d in corpus.docs}
    meier = next(q for q in corpus.queries if q.text == "Meier")
    grades = {docs[key].last_name: grade for key, grade in corpus.judgments[meier.qid].items()}
    assert grades == {"Meier": 3, "Maier": 2, "Mayer": 2, "Meyer": 2, "Mayr": 2}
    # Hard negatives are in the corpus, ungraded: Obermaier for Meier, Aufträge for Anträge.
    people = {d.last_name for d in corpus.by_kind("employee")}
    assert {"Obermaier", "Westermeier", "Meierhofer"} <= people
    antraege = next(q for q in corpus.queries if q.text == "Anträge")
    negative = next(d for d in corpus.by_kind("post") if d.body.startswith("Die Aufträge"))
    assert negative.key not in corpus.judgments[antraege.qid]
    # Planted people write nothing: their names occur only in their profiles.
    planted = {d.id for d in corpus.by_kind("employee") if d.origin == "person"}
    assert not planted & {d.author for d in corpus.docs if d.kind in ("post", "comment")}


def test_fold_matches_the_marker_spelling() -> None:
    folded = fold("Bürgerbüro Straße Kovačević ÄRZTLICH")
    assert folded == "buergerbuero strasse kovacevic aerztlich"


# --- Runner (the parts that need no database) ----------------------------------------------


def test_runner_refuses_a_database_not_meant_for_benchmarks(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/wilma.sqlite3")
    with pytest.raises(SystemExit, match="PostgreSQL"):
        search_relevance.check_database(force=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wilma")
    with pytest.raises(SystemExit, match="Refusing"):
        search_relevance.check_database(force=False)
    assert search_relevance.check_database(force=True) == "wilma"
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wilma_relevance_bench")
    assert search_relevance.check_database(force=False) == "wilma_relevance_bench"


def _run(name: str, ndcg_by_class: dict[str, float]) -> search_relevance.Run:
    scores = [QueryScore(f"{cls}-1", cls, value, 1.0, 1.0) for cls, value in ndcg_by_class.items()]
    return search_relevance.Run(name, {}, scores, 0.0, 0.0, 0)


def test_target_lines() -> None:
    good = dict.fromkeys(CLASSES, 0.9)
    lines = search_relevance.check_targets({"full": _run("full", good), "bm25": _run("bm25", good)})
    assert lines[0] == "PASS full nDCG@10 overall 0.900 >= 0.85"
    assert lines[-1] == "FAIL full nDCG@10 overall 0.900 > BM25 0.900"  # a tie is not ahead
    weak = {**good, "names": 0.5}
    lines = search_relevance.check_targets({"full": _run("full", weak)})
    assert "FAIL full nDCG@10 names 0.500 >= 0.70" in lines
    assert lines[-1].startswith("SKIP")
