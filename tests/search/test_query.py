"""Parsing the web-search syntax into clauses of lexemes (search/query.py)."""

from __future__ import annotations

import pytest

from search.analysis import ANALYZER
from search.query import Clause, Match, abbreviations_for, forget_abbreviations, parse
from wilma.errors import InvalidInput

pytestmark = pytest.mark.embedded


def lexeme(word: str) -> str:
    found = ANALYZER.term(word)
    assert found is not None
    return found


def kinds(clause: Clause) -> set[str]:
    return {option.kind for option in clause.options}


def test_words_are_and_ed_clauses(db):
    parsed = parse("Anträge Schulweg", name_matching=False)
    assert len(parsed.clauses) == 2
    first, second = parsed.clauses
    assert first.options[0] == Match("term", (lexeme("Antrag"),))
    # A compound also matches all of its pieces.
    assert Match("all", tuple(ANALYZER.word_pieces("Schulweg"))) in second.options


def test_phrase_exclusion_or(db):
    parsed = parse('"digitale Verwaltung" -Papier Kita OR Schule', name_matching=False)
    phrase, excluded, either = parsed.clauses
    assert phrase.options == (Match("phrase", (lexeme("digitale"), lexeme("Verwaltung"))),)
    assert excluded.negated
    assert {o.lexemes[0] for o in either.options if o.kind == "term"} >= {
        lexeme("Kita"),
        lexeme("Schule"),
    }


def test_prefix_offers_the_typed_and_the_stemmed_spelling(db):
    (clause,) = parse("Bürgerbet*").clauses
    prefixes = {o.lexemes[0] for o in clause.options if o.kind == "prefix"}
    assert "buergerbet" in prefixes and "burgerbet" in prefixes
    (clause,) = parse("digitalisierung*").clauses
    assert "digitalisier" in {o.lexemes[0] for o in clause.options}


def test_too_short_prefix_and_stop_words_give_nothing(db):
    assert parse("a*").is_empty
    assert parse("und oder die").is_empty
    assert parse("-Papier").is_empty  # only an exclusion


def test_names_get_phonetic_options(db):
    (clause,) = parse("Meier").clauses
    assert any(o.lexemes[0].startswith("nk") for o in clause.options)
    (clause,) = parse("Meier", name_matching=False).clauses
    assert not any(o.lexemes[0].startswith("nk") for o in clause.options)


def test_department_abbreviations_both_ways(org):
    forget_abbreviations()
    (clause,) = parse("KVR", name_matching=False).clauses
    assert Match("term", (lexeme("Kreisverwaltungsreferat"),)) in clause.options
    (clause,) = parse("Kreisverwaltungsreferat", name_matching=False).clauses
    assert Match("term", ("kvr",)) in clause.options
    # A written-out multi-word name matches its code too.
    clauses = parse("Referat für Bildung und Sport Turnhalle", name_matching=False).clauses
    assert len(clauses) == 2
    assert Match("term", ("rbs",)) in clauses[0].options
    assert kinds(clauses[0]) == {"phrase", "term"}


def test_abbreviations_follow_the_analyzer(org):
    from search.analysis import Analyzer, AnalyzerConfig

    plain = Analyzer(AnalyzerConfig(fold=False, stopwords=False, stem=False, decompound=False))
    assert abbreviations_for(plain).forward["kvr"] == ("kreisverwaltungsreferat",)


def test_limits(db, settings):
    with pytest.raises(InvalidInput):
        parse("x" * (settings.WILMA["SEARCH_QUERY_MAX_LENGTH"] + 1))
    with pytest.raises(InvalidInput):
        parse(" ".join(["Wort"] * (settings.WILMA["SEARCH_QUERY_MAX_WORDS"] + 1)))
