"""Snippets with the matching words marked, the same for every adapter.

The database's own highlighters (`ts_headline`, FTS5 `snippet()`) analyse text their own way,
so they would not mark `Anträgen` for a search for `Antrag`, or `Schulwegkostenfreiheit` for
`Schulweg`. Marking here, with the analyzer that built the index, marks exactly the words that
made the document match.
"""

from __future__ import annotations

import re
from html import escape

from search.analysis import Analyzer

_WORD = re.compile("\\w+(?:[-'\u2019]\\w+)*")
SNIPPET_WORDS = 30


def _matches(
    word: str, analyzer: Analyzer, exact: frozenset[str], prefixes: tuple[str, ...]
) -> bool:
    lexeme = analyzer.term(word)
    if lexeme is None:
        return False
    if lexeme in exact or any(lexeme.startswith(p) for p in prefixes):
        return True
    return any(part in exact for part in analyzer.word_parts(word))


def snippet(
    text: str,
    analyzer: Analyzer,
    exact: frozenset[str],
    prefixes: tuple[str, ...],
    *,
    words: int = SNIPPET_WORDS,
) -> str:
    """Escaped HTML: the window of `words` words with the most matches, matches in <mark>."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not spans:
        return ""
    hits = [_matches(text[s:e], analyzer, exact, prefixes) for s, e in spans]
    best, best_count = 0, -1
    count = sum(hits[:words])
    for start in range(0, max(1, len(spans) - words + 1)):
        if start:
            count += (hits[start + words - 1] if start + words - 1 < len(hits) else 0) - hits[
                start - 1
            ]
        if count > best_count:
            best, best_count = start, count
    # Start a little before the first match of the window, for context.
    window = range(best, min(len(spans), best + words))
    begin = spans[window.start][0] if window.start else 0
    end = spans[window.stop - 1][1] if window.stop < len(spans) else len(text)
    out: list[str] = ["…" if begin else ""]
    cursor = begin
    for index in window:
        s, e = spans[index]
        out.append(escape(text[cursor:s]))
        word = escape(text[s:e])
        out.append(f"<mark>{word}</mark>" if hits[index] else word)
        cursor = e
    out.append(escape(text[cursor:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).strip()
