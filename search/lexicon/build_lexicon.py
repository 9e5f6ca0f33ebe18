"""Build `compound_lexicon.tsv.gz`, the word list behind German compound splitting.

Inputs are two pinned wheels from PyPI, read as zip files (neither is installed or imported):

- german-nouns 1.2.5 (`nouns.csv`, ~100,000 nouns with all inflected forms, compiled from the
  German Wiktionary, CC BY-SA 4.0): which strings are nouns, and so may be compound parts.
- wordfreq 3.1.1 (`data/large_de.msgpack.gz`, German word frequencies, data CC BY-SA 4.0): how
  common each word is, which decides between a split and the whole word.

Output, one line per folded word, sorted: ``word<TAB>zipf*10<TAB>kind``. Kind ``L`` is a
noun's lemma and ``P`` another form of a noun (both may be compound parts; their Zipf value is
that of the whole noun, all its forms summed, so "Handlungen" is as common as "Handlung"); kind
``W`` is a frequent other word, listed only so that common non-nouns like "folgende" are never
read as compounds. The file is gzipped without a timestamp: a rebuild from the same wheels is
byte-identical.

Run from the repository root::

    pip download --no-deps -d /tmp/lex german-nouns==1.2.5 wordfreq==3.1.1
    .venv/bin/python search/lexicon/build_lexicon.py /tmp/lex
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import math
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import msgpack

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search.analysis import STOP_WORDS, fold  # noqa: E402  (needs the repository root on the path)

NOUNS_WHEEL = "german_nouns-1.2.5-py3-none-any.whl"
NOUNS_SHA256 = "0f113c59ea331aae750bc03c7b6c7217bae975c6677b4df8d8932093093f509f"
WORDFREQ_WHEEL = "wordfreq-3.1.1-py3-none-any.whl"
WORDFREQ_SHA256 = "4b1c6ecffc6198be3396d5cf871c4423ca71c907c231348d352dd54d62b97473"
OUTPUT = Path(__file__).resolve().parent / "compound_lexicon.tsv.gz"

# Wiktionary entries that are not common nouns: names and places would make silly parts
# ("Anna", "Ems"), letters and affixes are not words.
EXCLUDED_POS = {
    "Toponym",
    "Vorname",
    "Nachname",
    "Eigenname",
    "Straßenname",
    "Buchstabe",
    "Symbol",
    "Affix",
    "Suffix",
    "Präfix",
    "Gebundenes Lexem",
    "Abkürzung",
    "Redewendung",
    "Grußformel",
    "Partikel",
    "Zahlklassifikator",
}
WORD = re.compile(r"[a-z]{3,24}")
RARE_NOUN_MAX_LENGTH = 12  # longer nouns unknown to wordfreq are compounds we split anyway
OTHER_WORD_MIN_ZIPF = 3.0  # non-nouns kept only to know how common a whole word is


def _checked_wheel(folder: Path, name: str, sha256: str) -> zipfile.ZipFile:
    path = folder / name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{name}: sha256 {digest} is not the pinned {sha256}")
    return zipfile.ZipFile(path)


def word_frequencies(wheel: zipfile.ZipFile) -> dict[str, float]:
    """Folded word -> Zipf frequency (log10 per billion words), variants summed."""
    with wheel.open("wordfreq/data/large_de.msgpack.gz") as raw:
        buckets = msgpack.unpackb(gzip.decompress(raw.read()), raw=False)
    header, buckets = buckets[0], buckets[1:]
    if header != {"format": "cB", "version": 1}:
        raise SystemExit(f"unexpected wordfreq header {header}")
    linear: dict[str, float] = defaultdict(float)
    for centibels, words in enumerate(buckets):  # bucket i holds words at 10**(-i/100)
        for word in words:
            folded = fold(word)
            if WORD.fullmatch(folded):
                linear[folded] += 10 ** (-centibels / 100)
    return {word: math.log10(value * 1e9) for word, value in linear.items()}


def noun_forms(wheel: zipfile.ZipFile) -> tuple[dict[str, set[str]], set[str]]:
    """Every folded inflected form of every common noun -> its lemmas, and the lemmas."""
    forms: dict[str, set[str]] = defaultdict(set)
    lemmas: set[str] = set()
    with wheel.open("german_nouns/nouns.csv") as raw:
        rows = csv.reader(io.TextIOWrapper(raw, encoding="utf-8"))
        header = next(rows)
        first_form = header.index("nominativ singular")
        for row in rows:
            if EXCLUDED_POS & set(row[1].split(",")) or "Substantiv" not in row[1]:
                continue
            lemma = fold(row[0])
            if WORD.fullmatch(lemma):
                lemmas.add(lemma)
            for cell in [row[0], *row[first_form:]]:
                folded = fold(cell)
                if WORD.fullmatch(folded):
                    forms[folded].add(lemma)
    return forms, lemmas


def build(folder: Path) -> list[str]:
    frequencies = word_frequencies(_checked_wheel(folder, WORDFREQ_WHEEL, WORDFREQ_SHA256))
    nouns, lemmas = noun_forms(_checked_wheel(folder, NOUNS_WHEEL, NOUNS_SHA256))
    family: dict[str, float] = defaultdict(float)  # lemma -> summed frequency of its forms
    for form, its_lemmas in nouns.items():
        if form in STOP_WORDS:  # "bei" and "gegen" are not what makes "Bei" or "Gege" common
            continue
        for lemma in its_lemmas:
            family[lemma] += 10 ** frequencies.get(form, -math.inf)
    lines = []
    for word in sorted(nouns.keys() | frequencies.keys()):
        zipf = frequencies.get(word, 0.0)
        if word in nouns:
            total = max(family[lemma] for lemma in nouns[word])
            zipf = max(zipf, math.log10(total)) if total else zipf
            if word not in frequencies and len(word) > RARE_NOUN_MAX_LENGTH:
                continue
            kind = "L" if word in lemmas else "P"
        elif zipf >= OTHER_WORD_MIN_ZIPF and WORD.fullmatch(word):
            kind = "W"
        else:
            continue
        lines.append(f"{word}\t{round(zipf * 10)}\t{kind}\n")
    return lines


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    lines = build(Path(sys.argv[1]))
    data = "".join(lines).encode("utf-8")
    with OUTPUT.open("wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(data)
    print(f"{OUTPUT.name}: {len(lines)} words, {OUTPUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
