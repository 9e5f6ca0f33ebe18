"""German text analysis: the one place where text becomes search lexemes.

Every adapter (PostgreSQL FTS, SQLite FTS5, Elasticsearch) indexes and queries the lexemes made
here, so a word matches in the same way on all three and at index and query time alike. The
steps, each switchable through `AnalyzerConfig` for the relevance benchmark:

1. Normalize: NFKC, lower case; invisible format characters (soft hyphen, zero-width space,
   bidi marks) vanish inside a word; every other non-letter, non-digit separates words.
2. Fold (`fold`): ä/ö/ü -> ae/oe/ue, ß -> ss, æ/œ/ø -> ae/oe/oe, other diacritics stripped
   (é -> e, combining marks dropped), any decimal digit -> 0-9. Because the folded form of
   "Bürgerbüro" is the spelling "Buergerbuero", both meet without further rules.
3. Words (`words`): letters and digits, joined across
   - hyphens: "Kita-Platz" is the word "kitaplatz", "E-Mail" is "email" (so it meets "Email");
     the pieces ("kita", "platz") become compound parts. Digits on both sides of a hyphen
     separate ("2025-2026" is two words);
   - apostrophes: "Ludwig's" -> "ludwigs", "geht's" -> "gehts";
   - dots between single letters: "z.B." -> "zb", "d.h." -> "dh", "e.V." -> "ev"; other dots
     separate ("muenchen.de", "12.03.2026"), and a final dot ("Dr.") is punctuation.
   Words longer than `MAX_WORD` (64) characters are cut to that length.
4. Stop words: the Snowball German list, folded ("für" == "fuer"), less "weg" (a noun here),
   plus a few abbreviations; see `lexicon/stopwords_de.txt`.
5. Stem: Snowball German (PyStemmer) on the folded word. Snowball 3 reads ae/oe/ue as umlauts,
   so "Bürgerbüros" and "Buergerbueros" share one lexeme; words with digits are not stemmed.
   One rule is ours: a final "-as"/"-os" of five letters or more loses its "s" after stemming
   (Kitas, Büros, Autos, Fotos), which Snowball leaves alone.
6. Decompound: `word_parts` splits a word on its hyphens and then with a lexicon of German noun
   forms and word frequencies (`lexicon/`, see its README): "Schulwegkostenfreiheit" -> schul,
   weg, kost, freiheit. A dynamic programme over letter positions finds the split whose parts
   are, on average, the most common (Koehn and Knight 2003), with
   - parts of at least 3 letters; 3-letter parts must be common lemmas ("Amt", "Weg", "Rat");
   - linking elements (Fugen -s, -es, -n, -en, -er, -e, -ens) and a dropped final -e
     ("Schul-" for "Schule"); verb stems ("Wohn|ort", "Wart|e|zeit") and common adjectives or
     particles ("Privat|kunde", "Neben|kosten") only before another part;
   - the head (last part) a full noun form, and no participle ("komm|enden", "Studier|ende");
   - the split taken only when its parts are on average more common than the whole word
     (all forms of a noun counted together), which keeps "Verband", "Bauer", "Abteilung" or
     "Handlungen" whole, and never for a common non-noun ("folgende", "kommenden").
   A reviewed supplement (`lexicon/supplement_de.txt`) adds city-administration words and
   blocks misleading parts ("Tran|sport").

Lexemes contain only lower-case letters (a-z after folding, other scripts' letters as they are)
and ASCII digits: never spaces, quotes, colons, apostrophes or backslashes, so adapters can put
them into tsquery, FTS5 or Elasticsearch syntax after their usual quoting.

The compound rule, the same at index and at query time:
- A document indexes `terms()` (main, high weight, positions for phrases) and `parts()` (low
  weight). A compound's parts are its split pieces and every run of adjacent pieces that is not
  the whole word: "Schulwegkostenfreiheit" gives schul, weg, kost, freiheit, and also schulweg,
  wegkost, kostenfreiheit, schulwegkost, wegkostenfreiheit (each the lexeme `term()` gives
  for that spelling). So the query word "Schulweg" (lexeme "schulweg") finds the longer
  compound through its parts field directly.
- A query word matches by its lexeme `term(word)` in the main or the parts field. A query
  compound may in addition match through all of `word_pieces(word)` together ("Kitaplatz"
  finds "Platz in der Kita", at lower rank); `search.query` builds that alternative.
  (`word_parts` of a 3-piece compound also holds its runs, which a text with the pieces
  scattered does not have: use `word_pieces` for the all-of alternative.)

The lexicon (200,558 folded words, 178,000 of them possible parts) loads lazily, once per
process, on the first word of six or more letters: 0.2 s on a quiet machine, +34 MiB RSS.
"""

from __future__ import annotations

import gzip
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import Stemmer

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
MAX_WORD = 64  # longer words are cut: no real German word needs more, and it bounds the work
MIN_PART = 3  # shortest compound part ("Amt", "Weg", "Kfz")
MAX_PART = 24  # longest compound part looked up
MAX_PARTS = 8  # a split has at most this many pieces
MAX_SPAN_PIECES = 8  # runs of adjacent pieces are emitted for words of at most this many pieces
FUGEN = ("", "s", "es", "n", "en", "er", "e", "ens")  # linking elements between parts
VERB_FUGEN = ("", "e")
RARE_ZIPF10 = 10  # Zipf * 10 of a noun the frequency list does not know
# Short nouns are only parts when common (Wiktionary knows "Abt", "Ase" and "Lei"); a 3-letter
# part must be a lemma, a 4-letter inflected form must be commoner than a 4-letter lemma.
MIN_ZIPF_BY_LENGTH = {3: 4.0, 4: 3.0}
MIN_ZIPF_FOUR_LETTER_FORM = 3.6
ELISION_PENALTY = 0.3  # "Schul-" for "Schule" is a little less likely than a plain form
VERB_STEM_PENALTY = 0.5  # "Wohn-" for "wohnen": verb stems only before another part
VERB_STEM_MIN_ZIPF = 3.5
MODIFIER_MIN_ZIPF = 4.0
MODIFIER_PENALTY = 0.5  # an adjective or particle before a noun: less likely than a noun
SPLIT_MARGIN = 0.0  # the parts' mean Zipf must exceed the whole word's by more than this
_CACHE_SIZE = 65536


# --- Characters -------------------------------------------------------------------------------

# Letters with no Unicode decomposition that German readers spell with two letters or plainly.
_SPECIAL = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "oe",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "\u0131": "i",  # dotless i
}
_APOSTROPHES = frozenset("'\u2019\u2018\u0060\u00b4\u02bc\u02bb\u2032")
_HYPHENS = frozenset("-\u2010\u2011")


def _fold_letter(char: str) -> str:
    """A letter without its diacritics (é -> e); Hangul and other scripts stay whole."""
    stripped = "".join(
        c
        for c in unicodedata.normalize("NFKD", char)
        if not unicodedata.category(c).startswith("M")
    )
    return unicodedata.normalize("NFC", stripped)


class _CharMap(dict[int, str]):
    """`str.translate` table filled on demand: each code point is classified once.

    Modes: "fold" (tokenizing, folded), "plain" (tokenizing, letters kept) and "text" (`fold`:
    letters folded, everything else kept). Tokenizing maps joiners to "-", "'" or "." and every
    other non-letter, non-digit to a space; both drop marks and invisible format characters.
    """

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def __missing__(self, code: int) -> str:
        value = self._classify(chr(code))
        if len(self) < _CACHE_SIZE:  # bounded even for input spanning all of Unicode
            self[code] = value
        return value

    def _classify(self, char: str) -> str:
        category = unicodedata.category(char)
        if category.startswith("L"):
            if category == "Lm" and 0x2B0 <= ord(char) <= 0x2FF:  # U+02BC, U+02C8: apostrophe-like
                return char if self.mode == "text" else "'"
            if self.mode == "plain":
                return char
            if char in _SPECIAL:
                return _SPECIAL[char]
            return "".join(c for c in _fold_letter(char) if c.isalpha())
        if category == "Nd":
            return str(unicodedata.decimal(char))
        if category.startswith("M") or category == "Cf":
            return ""
        if self.mode == "text":
            return " " if char.isspace() else char
        if char in _APOSTROPHES:
            return "'"
        if char in _HYPHENS:
            return "-"
        if char == ".":
            return "."
        return " "


_FOLD_MAP = _CharMap("fold")
_PLAIN_MAP = _CharMap("plain")
_TEXT_MAP = _CharMap("text")
_SPACES = re.compile(r"\s+")
# A run of letters and digits, with single joiners between them.
_TOKEN = re.compile(r"[^\W_]+(?:[-'.][^\W_]+)*")
_NOT_LEXEME = re.compile(r"[^a-z0-9]")


def fold(text: str) -> str:
    """Lower case, NFKC and folding only (ä -> ae, ß -> ss, é -> e); punctuation is kept and
    whitespace collapsed. For names, facets, hashtags and prefix matching."""
    lowered = unicodedata.normalize("NFKC", text).lower()
    return _SPACES.sub(" ", lowered.translate(_TEXT_MAP)).strip()


def _is_lexeme_char(char: str) -> bool:
    if "a" <= char <= "z" or "0" <= char <= "9":
        return True
    return char.isalpha() and not char.isascii() and not (0x2B0 <= ord(char) <= 0x2FF)


def _safe(lexeme: str) -> str:
    """The lexeme charset invariant, enforced rather than assumed."""
    if not _NOT_LEXEME.search(lexeme):
        return lexeme
    return "".join(c for c in lexeme if _is_lexeme_char(c))


# --- Stop words and lexicon -------------------------------------------------------------------


def _data_lines(name: str) -> Iterator[str]:
    for line in (LEXICON_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


STOP_WORDS: frozenset[str] = frozenset(fold(word) for word in _data_lines("stopwords_de.txt"))


class Lexicon(NamedTuple):
    parts: dict[str, int]  # folded noun form -> Zipf * 10: may be a compound part
    known: dict[str, int]  # every listed word -> Zipf * 10: how common the whole word is
    verb_stems: dict[str, tuple[str, int]]  # "wohn" -> ("wohnen", Zipf * 10)
    other: frozenset[str]  # frequent words that are not nouns: never split ("folgende")
    elided: dict[str, tuple[str, int]]  # "schul" -> ("schule", Zipf * 10): lemmas in -e
    modifiers: dict[str, int]  # common non-nouns that may open a compound ("privat", "unter")
    starts: frozenset[str]  # the first three letters of every possible part: a cheap filter


_lexicon_lock = threading.Lock()
_lexicon: Lexicon | None = None


def load_lexicon() -> Lexicon:
    """The compound lexicon, read once per process (thread-safe) on first use."""
    global _lexicon
    if _lexicon is None:
        with _lexicon_lock:
            if _lexicon is None:
                _lexicon = _read_lexicon()
    return _lexicon


def _read_lexicon() -> Lexicon:
    parts: dict[str, int] = {}
    known: dict[str, int] = {}
    verb_stems: dict[str, tuple[str, int]] = {}
    other: set[str] = set()
    infinitives: list[tuple[str, int]] = []
    lemmas_in_e: list[str] = []
    modifiers: dict[str, int] = {}
    with gzip.open(LEXICON_DIR / "compound_lexicon.tsv.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            word, zipf_text, kind = line.rstrip("\n").split("\t")
            zipf = int(zipf_text)
            known[word] = zipf
            if word in STOP_WORDS:
                continue
            if kind == "W":
                other.add(word)
                if zipf >= VERB_STEM_MIN_ZIPF * 10 and word.endswith(("en", "ern", "eln")):
                    infinitives.append((word, zipf))
                if zipf >= MODIFIER_MIN_ZIPF * 10 and len(word) >= 4:
                    modifiers[word] = zipf  # "privat" in "Privatkunde", "unter" in "Unterarm"
                continue
            if len(word) > 4 or zipf >= _min_zipf10(word, lemma=kind == "L"):
                parts[word] = zipf or RARE_ZIPF10
            if kind == "L" and len(word) >= 5 and word.endswith("e"):
                lemmas_in_e.append(word)
            elif zipf >= VERB_STEM_MIN_ZIPF * 10 and len(word) >= 6 and word.endswith("en"):
                # (a noun form in -en may be an infinitive too; -ern/-eln ones are plurals)
                infinitives.append((word, zipf))  # "das Wohnen", or "führen" as a form of "Führe"
    # An infinitive lends its stem to compounds ("Wohnort") when the stem is also conjugated
    # ("wohnt"): "aussen", "schien" or "Konten" have no verb stem "auss", "schi", "kont".
    for infinitive, zipf in infinitives:
        stem = infinitive[:-1] if infinitive.endswith(("ern", "eln")) else infinitive[:-2]
        if len(stem) >= 4 and any(stem + end in other for end in ("t", "et", "te", "st")):
            verb_stems.setdefault(stem, (infinitive, zipf))
    blocked: set[str] = set()
    for line in _data_lines("supplement_de.txt"):
        entry, _, zipf_text = line.partition(" ")
        if entry.startswith("-"):
            blocked.add(fold(entry[1:]))
            continue
        word = fold(entry)
        zipf = round(float(zipf_text or 4.0) * 10)
        parts[word] = max(parts.get(word, 0), zipf)
        known.setdefault(word, zipf)
    other.difference_update(parts)
    for word in blocked:
        for table in (parts, modifiers, verb_stems):
            table.pop(word, None)
    elided = {lemma[:-1]: (lemma, parts[lemma]) for lemma in lemmas_in_e if lemma in parts}
    for word in blocked:
        elided.pop(word, None)
    for word in parts:
        modifiers.pop(word, None)
    starts = frozenset(
        key[:MIN_PART] for table in (parts, elided, verb_stems, modifiers) for key in table
    )
    return Lexicon(parts, known, verb_stems, frozenset(other), elided, modifiers, starts)


# --- Compound splitting -----------------------------------------------------------------------


class Piece(NamedTuple):
    text: str  # the piece as written, with its linking element ("arbeits")
    bare: str  # without the linking element ("arbeit")
    lemma: str  # the form whose lexeme is emitted ("schule" for "schul", "wohnen" for "wohn")


@lru_cache(maxsize=_CACHE_SIZE)
def split_compound(word: str) -> tuple[Piece, ...]:
    """The best split of a folded, letters-only word into at least two pieces, or ().

    A dynamic programme over positions: best[i][k] is the highest total score for word[i:] in
    exactly k pieces, so the work is bounded by len(word) * MAX_PART * len(FUGEN) * MAX_PARTS
    (about 100,000 steps for a 64-letter word) and typically far less.
    """
    n = len(word)
    if n < 2 * MIN_PART or n > MAX_WORD or not word.isascii() or not word.isalpha():
        return ()
    lexicon = load_lexicon()
    parts, verb_stems, elided = lexicon.parts, lexicon.verb_stems, lexicon.elided
    modifiers, starts = lexicon.modifiers, lexicon.starts
    if word in lexicon.other or not any(
        word[j:] in parts for j in range(max(MIN_PART, n - MAX_PART), n - MIN_PART + 1)
    ):  # a common non-noun, or no noun to end on
        return ()
    # best[i]: {k: (score, pieces)} for word[i:]
    best: list[dict[int, tuple[float, tuple[Piece, ...]]]] = [{} for _ in range(n + 1)]
    best[n][0] = (0.0, ())
    # the linking elements that can follow a part ending at j, leaving room for another part
    fugen_at = [
        [f for f in FUGEN if word.startswith(f, j) and n - j - len(f) >= MIN_PART]
        for j in range(n + 1)
    ]
    for i in range(n - MIN_PART, -1, -1):
        if word[i : i + MIN_PART] not in starts:
            continue
        options = best[i]
        for j in range(i + MIN_PART, min(n, i + MAX_PART) + 1):
            bare = word[i:j]
            if j == n:  # the head: a full form of a noun
                if bare in parts:
                    _offer(options, 1, parts[bare] / 10, (Piece(bare, bare, bare),))
                continue
            # (score, lemma, linking elements that may follow)
            candidates: list[tuple[float, str, tuple[str, ...]]] = []
            if bare in parts:
                candidates.append((parts[bare] / 10, bare, FUGEN))
            if bare in elided:
                lemma, zipf = elided[bare]
                candidates.append((zipf / 10 - ELISION_PENALTY, lemma, FUGEN))
            if bare in verb_stems:  # "Wohn|ort", "Wart|e|zeit", never "Dien|s|tag"
                infinitive, zipf = verb_stems[bare]
                candidates.append((zipf / 10 - VERB_STEM_PENALTY, infinitive, VERB_FUGEN))
            if bare in modifiers:
                candidates.append((modifiers[bare] / 10 - MODIFIER_PENALTY, bare, ("",)))
            for score, lemma, fugen in candidates:
                for fuge in fugen_at[j]:
                    after = j + len(fuge)
                    if not best[after] or (fugen is not FUGEN and fuge not in fugen):
                        continue
                    # "komm|enden", "führ|ende", "studier|ende": a verb's participle
                    if word.startswith("end", after) and word[i:after] in verb_stems:
                        continue
                    piece = Piece(word[i:after], bare, lemma)
                    for k, (rest_score, rest) in best[after].items():
                        if 0 < k < MAX_PARTS:
                            _offer(options, k + 1, score + rest_score, (piece, *rest))
    whole = lexicon.known.get(word, 0) / 10
    chosen: tuple[Piece, ...] = ()
    chosen_mean = whole + SPLIT_MARGIN
    for k, (score, pieces) in sorted(best[0].items()):
        if k >= 2 and score / k > chosen_mean:
            chosen, chosen_mean = pieces, score / k
    return chosen


def _min_zipf10(word: str, *, lemma: bool) -> float:
    if not lemma and len(word) <= 4:
        return 100.0 if len(word) == 3 else MIN_ZIPF_FOUR_LETTER_FORM * 10
    return MIN_ZIPF_BY_LENGTH.get(len(word), 0) * 10


def _offer(
    options: dict[int, tuple[float, tuple[Piece, ...]]],
    k: int,
    score: float,
    pieces: tuple[Piece, ...],
) -> None:
    if k not in options or score > options[k][0]:
        options[k] = (score, pieces)


# --- Tokens -----------------------------------------------------------------------------------


class Token(NamedTuple):
    word: str  # the joined word ("kitaplatz")
    pieces: tuple[str, ...]  # its hyphen-separated pieces (("kita", "platz")), at least one


def _tokens(normalized: str) -> Iterator[Token]:
    for match in _TOKEN.finditer(normalized):
        raw = match.group().replace("'", "")
        if "." in raw:
            chunks = raw.split(".")
            if all(len(chunk) == 1 and chunk.isalpha() for chunk in chunks):
                yield from _hyphenated("".join(chunks))
                continue
            for chunk in chunks:
                yield from _hyphenated(chunk)
        else:
            yield from _hyphenated(raw)


def _hyphenated(chunk: str) -> Iterator[Token]:
    """One token per run of hyphen pieces; digits on both sides of a hyphen separate."""
    pieces: list[str] = []
    for piece in chunk.split("-"):
        if not piece:
            continue
        if pieces and pieces[-1].isdigit() and piece.isdigit():
            yield _token(pieces)
            pieces = []
        pieces.append(piece)
    if pieces:
        yield _token(pieces)


def _token(pieces: list[str]) -> Token:
    word = "".join(pieces)
    if len(word) > MAX_WORD:
        word = word[:MAX_WORD]
        return Token(word, (word,))
    return Token(word, tuple(pieces))


# --- The analyzer -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalyzerConfig:
    fold: bool = True  # ä -> ae, ß -> ss, é -> e ("Bürgerbüro" == "Buergerbuero")
    stopwords: bool = True  # drop German stop words (folded: "fuer" == "für")
    stem: bool = True  # Snowball German on the folded word
    decompound: bool = True  # compound parts from the lexicon and from hyphens


class Analyzer:
    """Text -> lexemes under one configuration. Results are cached per instance."""

    def __init__(self, config: AnalyzerConfig = AnalyzerConfig()) -> None:
        self.config = config
        self._map = _FOLD_MAP if config.fold else _PLAIN_MAP
        self._local = threading.local()  # PyStemmer objects are not shared between threads
        self._lexeme = lru_cache(maxsize=_CACHE_SIZE)(self._uncached_lexeme)
        self._split_token = lru_cache(maxsize=_CACHE_SIZE)(self._uncached_split_token)

    def __repr__(self) -> str:
        return f"Analyzer({self.config!r})"

    # Public API

    def words(self, text: str) -> list[str]:
        """Normalized words in order (hyphenated words joined), punctuation removed."""
        return [token.word for token in self._tokenize(text)]

    def term(self, word: str) -> str | None:
        """The lexeme of one word; None for a stop word or when nothing is left. Several words
        in `word` are read as one ("Kita Platz" -> the lexeme of "kitaplatz")."""
        joined = "".join(token.word for token in self._tokenize(word))[:MAX_WORD]
        return self._lexeme(joined) if joined else None

    def terms(self, text: str) -> list[str]:
        """Lexemes of the text in order, stop words dropped: the main field."""
        lexemes = []
        for token in self._tokenize(text):
            lexeme = self._lexeme(token.word)
            if lexeme is not None:
                lexemes.append(lexeme)
        return lexemes

    def word_parts(self, word: str) -> list[str]:
        """Lexemes of the compound parts of one word ([] if it is not a compound), never the
        word's own lexeme: its pieces, then every run of adjacent pieces short of the whole."""
        pieces, spans = self._split_token(self._word_token(word))
        return list(dict.fromkeys(pieces + spans))

    def word_pieces(self, word: str) -> list[str]:
        """Only the pieces of `word_parts`, without the runs of adjacent pieces: what a query
        compound needs all of to match its parts scattered in a text ("Platz in der Kita")."""
        return list(self._split_token(self._word_token(word))[0])

    def parts(self, text: str) -> list[str]:
        """Parts of all words of the text, de-duplicated, in order: the low-weight field."""
        found: dict[str, None] = {}
        for token in self._tokenize(text):
            pieces, spans = self._split_token(token)
            found.update(dict.fromkeys(pieces))
            found.update(dict.fromkeys(spans))
        return list(found)

    # Internals

    def _tokenize(self, text: str) -> Iterator[Token]:
        normalized = unicodedata.normalize("NFKC", text).lower().translate(self._map)
        return _tokens(normalized)

    def _stemmer(self) -> Stemmer.Stemmer:
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            stemmer = self._local.stemmer = Stemmer.Stemmer("german")
        return stemmer

    def _uncached_lexeme(self, word: str) -> str | None:
        if self.config.stopwords and (word if self.config.fold else fold(word)) in STOP_WORDS:
            return None
        if self.config.stem and word.isalpha():
            word = self._stemmer().stemWord(word)
            if len(word) >= 5 and word.endswith(("as", "os")):  # Kitas, Büros, Autos, Fotos
                word = word[:-1]
        return _safe(word) or None

    def _word_token(self, word: str) -> Token:
        """One token for `word`, even if it reads as several ("Kita Platz")."""
        pieces = tuple(piece for token in self._tokenize(word) for piece in token.pieces)
        joined = "".join(pieces)
        if len(joined) > MAX_WORD:
            joined = joined[:MAX_WORD]
            pieces = (joined,)
        return Token(joined, pieces)

    def _uncached_split_token(self, token: Token) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(lexemes of the pieces, lexemes of runs of adjacent pieces), without the token's
        own lexeme and without repeats."""
        if not self.config.decompound or not token.word:
            return (), ()
        pieces: list[Piece] = []
        for text in token.pieces:
            # The lexicon is folded: without folding, pieces come out folded ("buero").
            split = split_compound(text if self.config.fold else fold(text))
            pieces.extend(split or (Piece(text, text, text),))
        if len(pieces) < 2:
            return (), ()
        own = self._lexeme(token.word)
        found: dict[str | None, None] = {own: None}
        for piece in pieces:
            if len(piece.lemma) >= 2:  # not the "e" of "E-Mail"
                found[self._lexeme(piece.lemma)] = None
        piece_lexemes = [lexeme for lexeme in found if lexeme and lexeme != own]
        if len(pieces) <= MAX_SPAN_PIECES:
            for start in range(len(pieces)):
                for end in range(start + 1, min(len(pieces), start + len(pieces) - 1)):
                    span = "".join(p.text for p in pieces[start:end]) + pieces[end].bare
                    found[self._lexeme(span)] = None
        span_lexemes = [lexeme for lexeme in found if lexeme and lexeme != own]
        return tuple(piece_lexemes), tuple(span_lexemes[len(piece_lexemes) :])


ANALYZER = Analyzer()


# --- Names ------------------------------------------------------------------------------------

_COLOGNE = {
    **dict.fromkeys("aeijouy", "0"),
    "b": "1",
    **dict.fromkeys("fvw", "3"),
    **dict.fromkeys("gkq", "4"),
    "l": "5",
    **dict.fromkeys("mn", "6"),
    "r": "7",
    **dict.fromkeys("sz", "8"),
}
_NAME_WORD = re.compile(r"[^\W\d_]+")


def cologne_phonetics(word: str) -> str:
    """Kölner Phonetik (Postel 1969) of one folded word of a-z letters: "meier" -> "67".

    Letters map to digit codes by their neighbours; repeated codes collapse, and vowels (0)
    are dropped except at the start.
    """
    codes: list[str] = []
    for i, char in enumerate(word):
        before = word[i - 1] if i else ""
        after = word[i + 1] if i + 1 < len(word) else ""
        if char == "h" or not ("a" <= char <= "z"):
            continue
        if char == "p":
            code = "3" if after == "h" else "1"
        elif char in "dt":
            code = "8" if after in ("c", "s", "z") else "2"
        elif char == "c":
            if i == 0:
                code = "4" if after and after in "ahkloqrux" else "8"
            else:
                code = "4" if after and after in "ahkoqux" and before not in "sz" else "8"
        elif char == "x":
            code = "8" if before and before in "ckq" else "48"
        else:
            code = _COLOGNE[char]
        codes.append(code)
    collapsed: list[str] = []
    for digit in "".join(codes):
        if not collapsed or collapsed[-1] != digit:
            collapsed.append(digit)
    if not collapsed:
        return ""
    return collapsed[0] + "".join(d for d in collapsed[1:] if d != "0")


# Prefixes of the phonetic lexemes: keys are digits, so "nk0123" is never a real lexeme's twin.
FAMILY_NAME_PREFIX = "nk"
GIVEN_NAME_PREFIX = "nf"


def person_name_lexemes(family_names: str, given_names: str) -> list[str]:
    """The phonetic lexemes a person is indexed with. Family names match by sound alone
    (Meier = Maier = Mayer). Given names match by sound and their last letter (Katarina =
    Katharina, Sofie = Sophie): their bare keys are short and collide with family names
    ("Marie" and "Meier" are both "67"), so a search for Meier would find every Marie."""
    lexemes = [FAMILY_NAME_PREFIX + key for key in name_keys(family_names)]
    lexemes += [GIVEN_NAME_PREFIX + key for key in given_name_keys(given_names)]
    return list(dict.fromkeys(lexemes))


def query_name_lexemes(word: str) -> list[str]:
    """What a query word matches among the lexemes of `person_name_lexemes`: a family name
    or a given name that sounds like it."""
    return [FAMILY_NAME_PREFIX + key for key in name_keys(word)] + [
        GIVEN_NAME_PREFIX + key for key in given_name_keys(word)
    ]


def given_name_keys(name: str) -> list[str]:
    """`name_keys` with each word's last letter: "katharina" -> "4276a", "marie" -> "67e"."""
    keys: list[str] = []
    for word in _NAME_WORD.findall(fold(name)):
        latin = "".join(c for c in word[:MAX_WORD] if "a" <= c <= "z")
        for key in name_keys(word):
            key = f"{key}{latin[-1]}" if latin else key
            if key not in keys:
                keys.append(key)
    return keys


def name_keys(name: str) -> list[str]:
    """One phonetic key per word of a person's name (Kölner Phonetik on the folded word):
    Meier, Maier, Mayer and Meyer share "67"; Müller, Mueller and Muller share "657". Words
    without Latin letters keep their folded spelling as their key."""
    keys: list[str] = []
    for word in _NAME_WORD.findall(fold(name)):
        word = word[:MAX_WORD]
        latin = "".join(c for c in word if "a" <= c <= "z")
        key = (cologne_phonetics(latin) if latin else _safe(word))[:MAX_WORD]
        if key and key not in keys:
            keys.append(key)
    return keys
