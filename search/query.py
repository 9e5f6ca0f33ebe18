"""What a search asks for, parsed once into adapter-neutral form.

The query language is the web-search syntax users know: words (all must match), `"quoted
phrases"`, `-exclusions`, `OR` between alternatives, and `prefix*`. Parsing happens here, with
the one German analyzer (`search.analysis`), so every adapter receives the same lexemes and
only has to spell them in its own syntax (tsquery, FTS5, Elasticsearch query DSL).

Each word becomes a clause of alternatives, any of which may match:
- its lexeme (`Anträge` -> the stem of `antraege`);
- all of its compound parts, if it is a compound (`Schulweg` also matches a document whose
  parts field holds `schul` and `weg`, e.g. `Schulwegkostenfreiheit`);
- a department abbreviation's expansion and back (`KVR` <-> `Kreisverwaltungsreferat`);
- with name matching, its phonetic name keys (`Meier` matches a person named `Maier`,
  `Katarina` one named `Katharina`): prefixed lexemes that only people carry
  (`search.analysis.person_name_lexemes`).
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.conf import settings
from django.utils.translation import gettext as _

from search.analysis import ANALYZER, Analyzer, fold, query_name_lexemes
from wilma.errors import InvalidInput

KINDS = ("person", "community", "post", "comment")
SORTS = ("relevance", "date")
MIN_PREFIX = 2

MatchKind = Literal["term", "prefix", "phrase", "all"]


@dataclass(frozen=True)
class Match:
    """One way a document can satisfy a clause."""

    kind: MatchKind  # term: the lexeme; prefix: a lexeme starting with it;
    lexemes: tuple[str, ...]  # phrase: these in sequence; all: each of these anywhere


@dataclass(frozen=True)
class Clause:
    options: tuple[Match, ...]
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    clauses: tuple[Clause, ...]

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.negated)

    @property
    def is_empty(self) -> bool:
        """Nothing to look for: no words, only stop words, or only exclusions."""
        return not self.positive

    def highlight_terms(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """Lexemes (and prefixes) of the positive clauses, for snippets."""
        exact: set[str] = set()
        prefixes: list[str] = []
        for clause in self.positive:
            for option in clause.options:
                if option.kind == "prefix":
                    prefixes.extend(option.lexemes)
                else:
                    exact.update(option.lexemes)
        return frozenset(exact), tuple(prefixes)


@dataclass(frozen=True)
class SearchRequest:
    q: str
    kinds: tuple[str, ...] = ()  # empty: every kind
    community: int | None = None
    department: int | None = None  # the department's subtree
    author: int | None = None
    hashtag: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0


@dataclass
class SearchHit:
    kind: str
    object_id: int
    score: float
    created_at: datetime
    title: str = ""
    snippet: str = ""  # HTML: escaped text with <mark> around matches


@dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int  # exact up to `total_capped`
    total_capped: bool
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    next_offset: int | None = None


# --- Parsing ----------------------------------------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Abbreviations:
    """Department short codes and names, as lexemes of one analyzer."""

    forward: dict[str, tuple[str, ...]]  # code lexeme -> the name's lexemes
    backward: dict[tuple[str, ...], str]  # the name's lexemes -> code lexeme


_ABBREVIATIONS_CACHE: dict[Analyzer, tuple[float, Abbreviations]] = {}
ABBREVIATIONS_TTL_SECONDS = 60.0


def abbreviations_for(analyzer: Analyzer) -> Abbreviations:
    """Cached for a minute per process and analyzer (departments change rarely); a department
    saved in this process clears the cache at once."""
    now = time.monotonic()
    cached = _ABBREVIATIONS_CACHE.get(analyzer)
    if cached and now - cached[0] < ABBREVIATIONS_TTL_SECONDS:
        return cached[1]
    from people.models import Department

    forward: dict[str, tuple[str, ...]] = {}
    backward: dict[tuple[str, ...], str] = {}
    for code, name in Department.objects.exclude(short_code="").values_list("short_code", "name"):
        code_terms = analyzer.terms(code)
        name_terms = tuple(analyzer.terms(name))
        if len(code_terms) != 1 or not name_terms:
            continue
        forward[code_terms[0]] = name_terms
        backward[name_terms] = code_terms[0]
    found = Abbreviations(forward, backward)
    _ABBREVIATIONS_CACHE[analyzer] = (now, found)
    return found


def forget_abbreviations() -> None:
    _ABBREVIATIONS_CACHE.clear()


_UMLAUT_SPELLING = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})


def _prefix_options(raw: str, analyzer: Analyzer) -> tuple[Match, ...]:
    """`digitalis*`: lexemes are stems, so the prefix is offered as typed (folded) and as the
    stemmer spells it: Snowball reads "ue" as "ü" and drops the umlaut (`Bürgerbet*` ->
    `burgerbet`), and shortens endings (`digitalisierung*` -> `digitalisier`)."""
    stem = raw.rstrip("*")
    folded = "".join(analyzer.words(stem))
    if len(folded) < MIN_PREFIX:
        return ()
    prefixes = [folded]
    if analyzer.config.stem:
        lexeme = analyzer.term(stem)
        if lexeme and len(lexeme) >= MIN_PREFIX:
            prefixes.append(lexeme)
        unfolded = "".join(
            unicodedata.normalize("NFKC", w).lower().translate(_UMLAUT_SPELLING)
            for w in stem.split()
        )
        if unfolded.isalnum():
            prefixes.append(unfolded)
    return tuple(Match("prefix", (p,)) for p in dict.fromkeys(prefixes))


def _word_options(
    word: str, analyzer: Analyzer, name_matching: bool, abbreviations: Abbreviations | None
) -> tuple[Match, ...]:
    lexeme = analyzer.term(word)
    if lexeme is None:
        return ()
    options = [Match("term", (lexeme,))]
    folded = "".join(analyzer.words(word))
    if folded != lexeme and folded.isalnum():
        # People's names are indexed as written (folded, not stemmed): "Hauser" is a name,
        # not a form of "Haus".
        options.append(Match("term", (folded,)))
    parts = tuple(analyzer.word_pieces(word))
    if len(parts) > 1:
        options.append(Match("all", parts))
    if abbreviations is not None:
        expansion = abbreviations.forward.get(lexeme)
        if expansion:
            options.append(Match("phrase" if len(expansion) > 1 else "term", expansion))
        code = abbreviations.backward.get((lexeme,))
        if code:
            options.append(Match("term", (code,)))
    if name_matching:
        options.extend(Match("term", (lexeme,)) for lexeme in query_name_lexemes(word))
    return tuple(dict.fromkeys(options))


def _department_names(
    clauses: list[Clause], heads: list[str | None], abbreviations: Abbreviations
) -> list[Clause]:
    """A department's name written out in the query ("Referat für Bildung und Sport") also
    matches its abbreviation: the run of word clauses becomes one clause, the name as a
    phrase or the code."""
    names = sorted(
        (name for name in abbreviations.backward if len(name) > 1), key=len, reverse=True
    )
    if not names:
        return clauses
    out: list[Clause] = []
    index = 0
    while index < len(clauses):
        for name in names:
            run = heads[index : index + len(name)]
            if tuple(run) == name:
                out.append(
                    Clause((Match("phrase", name), Match("term", (abbreviations.backward[name],))))
                )
                index += len(name)
                break
        else:
            out.append(clauses[index])
            index += 1
    return out


def parse(
    text: str,
    *,
    analyzer: Analyzer = ANALYZER,
    name_matching: bool = True,
    abbreviations: bool = True,
) -> ParsedQuery:
    """Parse the web-search syntax. Raises InvalidInput for a query over the limits."""
    limits = settings.WILMA
    if len(text) > limits["SEARCH_QUERY_MAX_LENGTH"]:
        raise InvalidInput(
            fields={"q": [_("Die Suche ist zu lang.")]},
        )
    items: list[tuple[bool, bool, str]] = []  # (negated, phrase, text); "OR" kept as a marker
    for match in _TOKEN.finditer(text):
        if match.group(2) is not None:
            items.append((match.group(1) == "-", True, match.group(2)))
        else:
            raw = match.group(3)
            negated = raw.startswith("-") and len(raw) > 1
            items.append((negated, False, raw[1:] if negated else raw))
    if sum(1 for _n, _p, t in items if t != "OR") > limits["SEARCH_QUERY_MAX_WORDS"]:
        raise InvalidInput(fields={"q": [_("Die Suche hat zu viele Wörter.")]})

    known = abbreviations_for(analyzer) if abbreviations else None
    clauses: list[Clause] = []
    heads: list[str | None] = []  # a plain word clause's lexeme, for department names
    join_next = False
    for negated, phrase, raw in items:
        if not phrase and raw == "OR" and not negated:
            join_next = bool(clauses) and not clauses[-1].negated
            continue
        head = None
        options: tuple[Match, ...] = ()
        if phrase:
            lexemes = tuple(analyzer.terms(raw))
            if lexemes:
                options = (Match("phrase" if len(lexemes) > 1 else "term", lexemes),)
        elif raw.endswith("*"):
            options = _prefix_options(raw, analyzer)
        else:
            words = analyzer.words(raw)
            if len(words) == 1:
                options = _word_options(words[0], analyzer, name_matching, known)
                head = options[0].lexemes[0] if options and not negated else None
            else:  # one token the analyzer reads as several words ("U-Bahn-Linie"): a phrase
                lexemes = tuple(analyzer.terms(raw))
                if lexemes:
                    options = (Match("phrase" if len(lexemes) > 1 else "term", lexemes),)
        if not options:
            join_next = False
            continue
        if join_next and not negated:
            previous = clauses.pop()
            clauses.append(Clause(tuple(dict.fromkeys(previous.options + options)), False))
            heads[-1] = None
        else:
            clauses.append(Clause(options, negated))
            heads.append(head)
        join_next = False
    if known is not None:
        clauses = _department_names(clauses, heads, known)
    return ParsedQuery(tuple(clauses))


def clean_request(
    *,
    q: str,
    kinds: list[str] | None = None,
    sort: str = "relevance",
    limit: int | None = None,
    offset: int = 0,
    **filters: object,
) -> SearchRequest:
    """A SearchRequest from API input, with limits applied (schemas check the types)."""
    limits = settings.WILMA
    errors: dict[str, list[str]] = {}
    chosen = tuple(dict.fromkeys(kinds or ()))
    if any(kind not in KINDS for kind in chosen):
        errors["kind"] = [_("Unbekannte Art: erlaubt sind %s.") % ", ".join(KINDS)]
    if sort not in SORTS:
        errors["sort"] = [_("Unbekannte Sortierung: erlaubt sind %s.") % ", ".join(SORTS)]
    size = limits["SEARCH_PAGE_SIZE_DEFAULT"] if limit is None else limit
    if not 1 <= size <= limits["SEARCH_PAGE_SIZE_MAX"]:
        errors["limit"] = [_("Zwischen 1 und %d.") % limits["SEARCH_PAGE_SIZE_MAX"]]
    if not 0 <= offset < limits["SEARCH_CANDIDATES"]:
        errors["offset"] = [_("Zwischen 0 und %d.") % (limits["SEARCH_CANDIDATES"] - 1)]
    since, until = filters.get("since"), filters.get("until")
    if isinstance(since, datetime) and isinstance(until, datetime) and since > until:
        errors["since"] = [_("Der Beginn liegt nach dem Ende.")]
    if errors:
        raise InvalidInput(fields=errors)
    hashtag = filters.get("hashtag")
    return SearchRequest(
        q=q,
        kinds=chosen,
        community=filters.get("community"),  # type: ignore[arg-type]
        department=filters.get("department"),  # type: ignore[arg-type]
        author=filters.get("author"),  # type: ignore[arg-type]
        hashtag=fold(str(hashtag)).lstrip("#") if hashtag else None,
        since=since,  # type: ignore[arg-type]
        until=until,  # type: ignore[arg-type]
        sort=sort,
        limit=size,
        offset=offset,
    )
