"""The German text analysis shared by every search adapter (no database needed)."""

from __future__ import annotations

import random
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest

from search import analysis
from search.analysis import (
    ANALYZER,
    MAX_WORD,
    STOP_WORDS,
    Analyzer,
    cologne_phonetics,
    fold,
    load_lexicon,
    name_keys,
    person_name_lexemes,
    query_name_lexemes,
    split_compound,
)

pytestmark = pytest.mark.embedded

A = ANALYZER


def term(word: str) -> str | None:
    return A.term(word)


# --- Folding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "transliterated"),
    [
        ("Äpfel", "Aepfel"),
        ("Öffnungszeiten", "Oeffnungszeiten"),
        ("Übergabe", "Uebergabe"),
        ("Straße", "Strasse"),
        ("Müller", "Mueller"),
        ("Bürgerbüro", "Buergerbuero"),
        ("Bürgerbüros", "Buergerbueros"),
        ("Café", "Cafe"),
        ("São Paulo", "Sao Paulo"),
        ("STRASSE", "straße"),
    ],
)
def test_folded_spellings_give_the_same_lexemes(written, transliterated):
    assert A.terms(written) == A.terms(transliterated)
    assert A.words(written) == A.words(transliterated)


def test_fold_lowers_and_transliterates_but_keeps_punctuation():
    assert fold("  Grüße aus   München, Straße 1!\t") == "gruesse aus muenchen, strasse 1!"
    assert fold("#Bürgerbüro") == "#buergerbuero"
    assert fold("Ærø Œuvre Łódź") == "aeroe oeuvre lodz"
    assert fold("ﬁnanzen") == "finanzen"  # NFKC ligature
    assert fold("Bürger\u00adbüro\u200b") == "buergerbuero"  # soft hyphen, zero-width space


def test_words_are_folded_lower_case_and_without_punctuation():
    assert A.words("Grüße aus München!") == ["gruesse", "aus", "muenchen"]
    assert A.words("«Bürgeramt»: „geöffnet“ (Mo.\u2013Fr.)") == [
        "buergeramt",
        "geoeffnet",
        "mo",
        "fr",
    ]


# --- Stop words -------------------------------------------------------------------------------


def test_stop_words_are_dropped_in_every_spelling():
    assert A.terms("für die und der fuer über ueber daß dass z.B.") == []
    assert term("für") is None
    assert term("Fuer") is None


def test_weg_is_a_noun_not_a_stop_word():
    assert "weg" not in STOP_WORDS
    assert A.terms("Der Weg zur Schule") == ["weg", term("Schule")]


def test_stop_words_are_folded():
    assert "fuer" in STOP_WORDS and "ueber" in STOP_WORDS and "dass" in STOP_WORDS
    assert all(fold(word) == word for word in STOP_WORDS)


# --- Stemming ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forms",
    [
        ("Antrag", "Anträge", "Anträgen", "Antrags", "Antraege"),
        ("Schule", "Schulen"),
        ("Referat", "Referate", "Referats", "Referaten"),
        ("Kita", "Kitas"),
        ("Büro", "Büros", "Buero"),
        ("Bürger", "Bürgern", "Buergers"),
        ("Verwaltung", "Verwaltungen"),
    ],
)
def test_inflections_share_one_lexeme(forms):
    assert len({term(form) for form in forms}) == 1


def test_different_words_keep_different_lexemes():
    assert len({term(w) for w in ("Antrag", "Schule", "Referat", "Kita", "Bauer", "Bau")}) == 5
    assert term("Bauer") == term("Bau")  # Snowball's own conflation, kept as PostgreSQL has it


def test_words_with_digits_are_kept_whole():
    assert A.terms("A4 2026 Covid19 3er") == ["a4", "2026", "covid19", "3er"]


# --- Compounds --------------------------------------------------------------------------------


def test_schulweg_finds_schulwegkostenfreiheit():
    parts = A.word_parts("Schulwegkostenfreiheit")
    for word in ("Schule", "Weg", "Kosten", "Freiheit"):
        assert term(word) in parts
    # The query word "Schulweg" matches the document's parts field by its own lexeme ...
    assert term("Schulweg") in parts
    # ... and also through all of its pieces.
    assert set(A.word_pieces("Schulweg")) <= set(parts)
    assert term("Schulwegkostenfreiheit") not in parts


@pytest.mark.parametrize(
    ("compound", "parts"),
    [
        ("Bürgerbüro", ("Bürger", "Büro")),
        ("Buergerbueros", ("Bürger", "Büro")),
        ("Kitaplatz", ("Kita", "Platz")),
        ("Personalausweisantrag", ("Personal", "Ausweis", "Antrag")),
        ("Arbeitsplatz", ("Arbeit", "Platz")),  # Fugen-s
        ("Verwaltungsreferat", ("Verwaltung", "Referat")),
        ("Bezirksausschuss", ("Bezirk", "Ausschuss")),
        ("Kreisverwaltungsreferat", ("Kreis", "Verwaltung", "Referat", "Verwaltungsreferat")),
        ("Sachgebiet", ("Sache", "Gebiet")),  # dropped -e
        ("Kfz-Zulassungsstelle", ("Kfz", "Zulassung", "Stelle")),
        ("Kfzzulassung", ("Kfz", "Zulassung")),
        ("Jahresende", ("Jahr", "Ende")),  # Fugen-es
        ("Krankenhaus", ("Kranke", "Haus")),  # Fugen-n
        ("Wohnort", ("wohnen", "Ort")),  # verb stem
        ("Meldebehörde", ("melden", "Behörde")),
    ],
)
def test_compounds_split_into_their_parts(compound, parts):
    found = A.word_parts(compound)
    assert [p for p in parts if term(p) not in found] == []


@pytest.mark.parametrize(
    "word",
    [
        "Bauer",
        "Verband",
        "Beamter",
        "Beamte",
        "Abteilung",
        "Verwaltung",
        "Mitarbeiter",
        "Referat",
        "Beispiel",
        "Handlungen",
        "Transport",
        "Redaktion",
        "Buchstabe",
        "Verbrauch",
        "Gegend",
        "Nachteile",
        "Gebäude",
        "Kontrolle",
        "Folgende",
        "kommenden",
        "Studierende",
        "Ausschuss",
        "Email",
    ],
)
def test_simple_words_are_not_split(word):
    assert A.word_parts(word) == []


def test_hyphenated_compound_joins_and_keeps_its_pieces_as_parts():
    assert A.words("Kita-Platz") == ["kitaplatz"]
    assert A.terms("Kita-Platz") == A.terms("Kitaplatz") == [term("Kitaplatz")]
    assert A.parts("Kita-Platz") == A.parts("Kitaplatz") == [term("Kita"), term("Platz")]
    # two separate words find the compound through its parts
    assert set(A.terms("Kita Platz")) <= set(A.parts("Kitaplatz"))


def test_e_mail_meets_email():
    assert A.terms("E-Mail") == A.terms("Email") == A.terms("eMail")
    assert term("Mail") in A.parts("E-Mail")
    assert term("Email") in A.parts("E-Mail-Adresse")


def test_hyphen_pieces_unknown_to_the_lexicon_are_parts_too():
    parts = A.word_parts("Müller-Lüdenscheidt")
    assert parts == [term("Mueller"), term("Luedenscheidt")]


def test_digits_on_both_sides_of_a_hyphen_separate():
    assert A.words("2025-2026") == ["2025", "2026"]
    assert A.words("COVID-19") == ["covid19"]


def test_leading_and_trailing_hyphens_are_punctuation():
    assert A.words("-Kita- und Schul-") == ["kita", "und", "schul"]


def test_parts_of_a_text_are_deduplicated_in_order():
    parts = A.parts("Bürgerbüro und Bürgerbüros, Kitaplatz im Bürgerbüro")
    assert parts == [term("Bürger"), term("Büro"), term("Kita"), term("Platz")]


def test_word_parts_never_holds_the_own_lexeme():
    for word in ("Schulwegkostenfreiheit", "Kita-Platz", "E-Mail", "Bezirksausschuss"):
        assert term(word) not in A.word_parts(word)


@pytest.mark.parametrize(
    ("compound", "pieces"),
    [
        ("Bundesausbildungsförderungsgesetz", ("Bund", "Ausbildung", "Förderung", "Gesetz")),
        (
            "Kraftfahrzeughaftpflichtversicherung",
            ("Kraft", "Fahrzeug", "Haftpflicht", "Versicherung"),
        ),
    ],
)
def test_long_compounds_split_with_a_bounded_number_of_pieces(compound, pieces):
    parts = A.word_parts(compound)
    assert [p for p in pieces if term(p) not in parts] == []
    assert 2 <= len(split_compound(fold(compound))) <= analysis.MAX_PARTS


def test_lexicon_is_loaded_once_and_holds_nouns_and_the_supplement():
    lexicon = load_lexicon()
    assert load_lexicon() is lexicon
    assert len(lexicon.parts) > 150_000
    assert {"kita", "kfz", "referat", "buerger", "schule"} <= lexicon.parts.keys()
    assert "lungen" not in lexicon.parts  # blocked in the supplement
    assert not STOP_WORDS & lexicon.parts.keys()


# --- Apostrophes and abbreviations ------------------------------------------------------------


def test_apostrophes_join():
    assert A.words("Ludwig's Ludwig\u2019s Ludwig\u02bcs Ludwigs") == ["ludwigs"] * 4
    assert A.words("'Hallo' geht's") == ["hallo", "gehts"]


def test_dotted_abbreviations():
    assert A.words("z.B. d.h. u.a. e.V. i.A.") == ["zb", "dh", "ua", "ev", "ia"]
    assert A.words("Dr. Müller, Nr. 5.") == ["dr", "mueller", "nr", "5"]
    assert A.words("www.muenchen.de 12.03.2026") == ["www", "muenchen", "de", "12", "03", "2026"]
    assert A.terms("z.B. zB") == []


# --- Names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "names",
    [
        ("Meier", "Maier", "Mayer", "Meyer", "Mayr"),
        ("Müller", "Mueller", "Muller", "Möller"),
        ("Schmidt", "Schmitt", "Schmid", "Schmied"),
        ("Fischer", "Vischer"),
        ("Hoffmann", "Hofmann"),
    ],
)
def test_similar_sounding_names_share_a_key(names):
    assert len({tuple(name_keys(name)) for name in names}) == 1


def test_different_names_have_different_keys():
    names = ["Meier", "Müller", "Schmidt", "Fischer", "Weber", "Wagner", "Becker", "Huber"]
    assert len({name_keys(name)[0] for name in names}) == len(names)


def test_cologne_phonetics_reference_values():
    # Values from the algorithm's description (Postel 1969, as documented on Wikipedia).
    assert cologne_phonetics("wikipedia") == "3412"
    assert cologne_phonetics("muellerluedenscheidt") == "65752682"
    assert cologne_phonetics("meier") == "67"
    assert cologne_phonetics("breschnew") == "17863"
    assert cologne_phonetics("xaver") == "4837"
    assert cologne_phonetics("") == ""


def test_name_keys_one_per_name_word():
    assert name_keys("Müller-Lüdenscheidt") == ["657", "52682"]
    assert name_keys("Dr. Anna Maier") == [cologne_phonetics("dr"), "06", "67"]
    assert name_keys("Иванов") == ["иванов"]  # no Latin letters: the folded word itself
    assert name_keys("") == []


# --- Configuration ----------------------------------------------------------------------------


def test_without_folding_words_keep_umlauts(make_analyzer):
    plain = make_analyzer(fold=False, stem=False)
    assert plain.words("Bürgerbüro Straße") == ["bürgerbüro", "straße"]
    assert plain.term("Bürgerbüro") != plain.term("Buergerbuero")
    folded = make_analyzer(stem=False)
    assert folded.term("Bürgerbüro") == folded.term("Buergerbuero") == "buergerbuero"


def test_without_stop_words_they_are_terms(make_analyzer):
    keep = make_analyzer(stopwords=False)
    assert keep.term("für") is not None
    assert keep.terms("für die Schule") == ["fur", "die", term("Schule")]


def test_without_stemming_inflections_differ(make_analyzer):
    unstemmed = make_analyzer(stem=False)
    assert unstemmed.term("Anträge") == "antraege"
    assert unstemmed.term("Antrag") == "antrag"
    assert unstemmed.word_parts("Schulwegkostenfreiheit")[:4] == [
        "schule",
        "weg",
        "kosten",
        "freiheit",
    ]


def test_without_decompounding_there_are_no_parts(make_analyzer):
    whole = make_analyzer(decompound=False)
    assert whole.word_parts("Schulwegkostenfreiheit") == []
    assert whole.parts("Kita-Platz im Bürgerbüro") == []
    assert whole.terms("Kita-Platz") == A.terms("Kita-Platz")


# --- Invariants -------------------------------------------------------------------------------

WEIRD = [
    "",
    "   \t\n ",
    "🙂👍🏽 Bürger🙂büro 👨‍👩‍👧",
    "مرحبا بالعالم עברית שלום",
    "e\u0301\u0301\u0301 Zu\u0308rich a\u0336b\u0336",
    "Bürger\u200b\u200c\u200d\u2060\ufeffbüro",
    "\u202eevil\u202c \u200fRTL\u200e",
    "İstanbul ǅemal ẞtraße ﬀ ㎏ ①②",
    "\uff21\uff4e\uff54\uff52\uff41\uff47 \uff11\uff12\uff13 \u0663\u0664\u0665 \u07c1",
    "a'b\"c:d\\e;f|g&h!i(j)k<l>m*n%o",
    "'; DROP TABLE search; -- :* & | !",
    "漢字かなカタカナー 한국어 ไทย हिन्दी",
    "x" * 10_000,
    "ä" * 5_000,
    "-" * 100 + "'" * 100 + "." * 100,
    "a-" * 3_000,
    "Ludwig\u2019s \u02bcapostrophe \u02c8stress",
    "\x01\x02\x7f control \x1b[31m",
    "\U0010fffd private \ue000",
]


def _random_texts(count: int) -> list[str]:
    rng = random.Random(20260101)
    alphabet = (
        "abcäöüßABCÄÖÜ -'.,:;\"\\/*&|!()<>0123456789éèçñøæœ"
        "\u0301\u0308\u00ad\u200b\u200d\ufeff🙂ا他ж字ßẞİı"
    )
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))) for _ in range(count)]


def _assert_lexeme(lexeme: str) -> None:
    assert lexeme, "empty lexeme"
    assert len(lexeme) <= MAX_WORD
    for char in lexeme:
        if char.isascii():
            assert "a" <= char <= "z" or "0" <= char <= "9", repr(lexeme)
        else:
            assert char.isalpha() and not char.isupper(), repr(lexeme)
            assert not unicodedata.category(char).startswith(("M", "C", "Z", "P", "S"))


@pytest.mark.parametrize("text", WEIRD + _random_texts(300))
def test_every_lexeme_is_safe_for_query_syntax(text):
    for lexeme in [*A.terms(text), *A.parts(text), *A.words(text), *name_keys(text)]:
        _assert_lexeme(lexeme)
    for word in A.words(text):
        single = A.term(word)
        if single is not None:
            _assert_lexeme(single)
        for part in [*A.word_parts(word), *A.word_pieces(word)]:
            _assert_lexeme(part)


def test_fullwidth_and_other_digits_become_ascii():
    assert A.words("\uff21\uff4e\uff54\uff52\uff41\uff47 \uff11\uff12\uff13 \u0663\u0664") == [
        "antrag",
        "123",
        "34",
    ]


def test_a_ten_thousand_character_word_is_cut():
    assert A.words("x" * 10_000) == ["x" * MAX_WORD]
    assert A.terms("Bürger" * 2_000) == [A.term(("buerger" * 10)[:MAX_WORD])]


def test_a_large_text_is_analyzed_whole():
    text = ("Schulwegkostenfreiheitsantrag im Bürgerbüro, " * 2_500)[:100_000]
    terms = A.terms(text)  # "im" is a stop word: two lexemes a sentence
    assert len(terms) == text.count("Schulweg") + text.count("Bürgerbüro")
    assert set(A.parts(text)) >= {term("Schule"), term("Bürger"), term("Antrag")}


def test_results_are_deterministic(make_analyzer):
    texts = [
        "Der Antrag auf Schulwegkostenfreiheit liegt im Bürgerbüro (KVR) aus.",
        *WEIRD[:8],
    ]
    before = [(A.terms(t), A.parts(t), A.words(t)) for t in texts]
    split_compound.cache_clear()
    fresh = make_analyzer()
    assert [(fresh.terms(t), fresh.parts(t), fresh.words(t)) for t in texts] == before
    assert [(A.terms(t), A.parts(t), A.words(t)) for t in texts] == before


def test_analyzers_are_safe_to_share_between_threads(make_analyzer):
    shared = make_analyzer()
    texts = [f"Anträge {i} für Kitaplätze im Bürgerbüro Nummer {i}" for i in range(200)]
    expected = [(ANALYZER.terms(t), ANALYZER.parts(t)) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda t: (shared.terms(t), shared.parts(t)), texts))
    assert results == expected


def test_module_instance_has_the_full_configuration():
    assert isinstance(ANALYZER, Analyzer)
    config = ANALYZER.config
    assert config.fold and config.stopwords and config.stem and config.decompound


# --- The database's own tokenizer keeps every lexeme whole -------------------------------------


@pytest.mark.django_db
def test_the_database_tokenizer_reads_each_lexeme_as_one_unchanged_token():
    from django.db import connection

    texts = [
        "Schulwegkostenfreiheit Kita-Platz E-Mail A4 2026 Ludwig's z.B. Müller-Lüdenscheidt",
        *WEIRD,
        *_random_texts(50),
    ]
    lexemes = sorted({lex for text in texts for lex in [*A.terms(text), *A.parts(text)]})
    assert len(lexemes) > 50
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT lexeme FROM unnest(to_tsvector('simple', %s)) ORDER BY lexeme",
                [" ".join(lexemes)],
            )
            assert sorted(row[0] for row in cursor.fetchall()) == lexemes
        else:
            cursor.execute(
                "CREATE VIRTUAL TABLE temp.analysis_probe "
                "USING fts5(body, tokenize = 'unicode61 remove_diacritics 0')"
            )
            cursor.execute(
                "CREATE VIRTUAL TABLE temp.analysis_vocab USING fts5vocab(analysis_probe, row)"
            )
            cursor.execute(
                "INSERT INTO temp.analysis_probe (body) VALUES (%s)", [" ".join(lexemes)]
            )
            cursor.execute("SELECT term FROM temp.analysis_vocab ORDER BY term")
            assert sorted(row[0] for row in cursor.fetchall()) == lexemes


def test_given_names_match_by_sound_and_last_letter():
    katharina = person_name_lexemes("Huber", "Katharina")
    assert set(query_name_lexemes("Katarina")) & set(katharina)  # a typo in the given name
    assert set(query_name_lexemes("Hubert")) & set(katharina) == set()
    marie = person_name_lexemes("Dippel", "Eva-Marie")
    assert set(query_name_lexemes("Meier")) & set(marie) == set()  # "67" alone would match
    assert set(query_name_lexemes("Marie")) & set(marie)
    assert set(query_name_lexemes("Maier")) & set(person_name_lexemes("Meier", "Anna"))
