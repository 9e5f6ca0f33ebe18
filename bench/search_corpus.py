"""Search relevance benchmark, part 1: a German intranet corpus with graded judgments.

Everything here is generated from a seed by code in this module, so the same seed always gives
the same documents, ids, queries and judgments. No outside text is used: the filler vocabulary,
the templates and the planted documents were written for this benchmark and are released with
WILMA under the project's own licence (nothing third-party, so nothing to attribute).

How the judgments are made (never from any system's output):

- Filler documents (most of the corpus) are built from a vocabulary that avoids the benchmark's
  topics. They are irrelevant to every query (grade 0), and :func:`validate` proves it: every
  topic has *markers* (regular expressions over the folded text) and a document that matches a
  topic's marker must carry an explicit grade for that topic, or the corpus does not build.
- Each topic ("concept") plants hand-written documents of every kind - communities, posts,
  comments, profiles - each with its grade for that topic and, where a document touches several
  topics, for those too. Some topics also scatter short passing mentions into filler posts;
  those posts get grade 1 for the topic.
- Hard negatives are planted on purpose: documents that share a surface string with the query
  but are about something else (Haushalt for Häuser, Vortrag for Vertrag, Busse/Busspur for
  Bußgeld, Festakt for Akten, Müllerstraße for Müller, Obermaier for Maier, Parkplatz for
  Kita-Platz, ...). They are graded 0.
- People names are graded by rule over the planted people (e.g. for "Meier": Meier 3; Maier,
  Mayer, Meyer, Mayr 2); planted people write nothing, so their names occur only in their
  profiles.

Grades: 3 = about the query's subject (the post, community or person looked for); 2 = clearly
relevant (discusses it, or a close name variant); 1 = marginal (a passing mention, a related
entity); 0 = not relevant. Unjudged documents count as 0.

Query classes (at least 8 queries each): inflection, compounds, hyphenation, transliteration,
sz (ß/ss), abbreviations (department codes), names (typos and spelling variants), prefix
(``word*``) and phrase (``"..."``).

Used by ``bench/search_relevance.py`` (the runner); tested by
``tests/search/test_relevance_bench.py``.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

KINDS = ("employee", "community", "post", "comment")
CLASSES = (
    "inflection",
    "compounds",
    "hyphenation",
    "transliteration",
    "sz",
    "abbreviations",
    "names",
    "prefix",
    "phrase",
)
DEFAULT_SEED = 1
DEFAULT_SCALE = {"employees": 600, "communities": 90, "posts": 2200, "comments": 1500}


# --- Folding (for the markers only; the system under test has its own analysis) --------------

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(text: str) -> str:
    """Lower-case, umlauts to ae/oe/ue, ß to ss, other diacritics dropped (č -> c)."""
    text = text.lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- Data model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    parent: str | None  # code of the Referat, None for a Referat


@dataclass
class Doc:
    """One searchable document. ``id`` is the primary key it gets in the database."""

    kind: str
    id: int = 0
    # employee
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    department: str = ""  # department code
    skills: tuple[str, ...] = ()
    about: str = ""
    location: str = ""
    # community
    name: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    # post / comment
    body: str = ""
    author: int = 0  # employee id
    community: int | None = None  # post: community id (None = profile post)
    post: int = 0  # comment: post id
    # judgments: concept -> grade
    grades: dict[str, int] = field(default_factory=dict)
    origin: str = "filler"  # "filler", "planted:<concept>", "mention:<concept>", "person"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def hashtags(self) -> list[str]:
        return re.findall(r"#(\w+)", self.body) if self.kind == "post" else []


@dataclass(frozen=True)
class Query:
    qid: str
    cls: str
    text: str
    concept: str
    note: str = ""


@dataclass
class Corpus:
    seed: int
    departments: list[DepartmentSpec]
    docs: list[Doc]
    queries: list[Query]
    viewer: int  # employee id of the searcher (an ordinary employee, not an admin)
    judgments: dict[str, dict[str, int]]  # qid -> doc key -> grade (> 0 only)

    def by_kind(self, kind: str) -> list[Doc]:
        return [d for d in self.docs if d.kind == kind]

    def department(self, code: str) -> DepartmentSpec:
        return next(d for d in self.departments if d.code == code)

    def text(self, doc: Doc) -> str:
        """The searchable text of a document: what a reasonable index holds for it."""
        if doc.kind == "employee":
            dept = self.department(doc.department)
            parts = [f"{doc.first_name} {doc.last_name}", doc.job_title, f"{dept.name} {dept.code}"]
            if dept.parent:
                parent = self.department(dept.parent)
                parts.append(f"{parent.name} {parent.code}")
            parts += [", ".join(doc.skills), doc.about, doc.location]
            return "\n".join(p for p in parts if p)
        if doc.kind == "community":
            return "\n".join([doc.name, doc.description, ", ".join(doc.tags)])
        return doc.body


# --- Departments -----------------------------------------------------------------------------

REFERATE: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "KVR",
        "Kreisverwaltungsreferat",
        (
            ("KVR-HA1", "Hauptabteilung I Sicherheit und Ordnung"),
            ("KVR-HA2", "Hauptabteilung II Bürgerangelegenheiten"),
            ("KVR-HA3", "Hauptabteilung III Straßenverkehr"),
        ),
    ),
    (
        "RBS",
        "Referat für Bildung und Sport",
        (
            ("RBS-AS", "Geschäftsbereich Allgemeinbildende Schulen"),
            ("RBS-SPA", "Sportamt"),
            ("RBS-ZIM", "Zentrales Immobilienmanagement"),
        ),
    ),
    (
        "ITR",
        "IT-Referat",
        (
            ("ITR-AB", "Anwendungsbetreuung"),
            ("ITR-INF", "Infrastruktur"),
            ("ITR-STS", "Strategie und Steuerung"),
        ),
    ),
    (
        "GSR",
        "Gesundheitsreferat",
        (("GSR-GVO", "Gesundheitsvorsorge"), ("GSR-UMW", "Umweltmedizin")),
    ),
    (
        "MOR",
        "Mobilitätsreferat",
        (("MOR-VM", "Verkehrsmanagement"), ("MOR-STR", "Strategie und Planung")),
    ),
    (
        "POR",
        "Personal- und Organisationsreferat",
        (("POR-P", "Personalservice"), ("POR-O", "Organisation"), ("POR-AUS", "Ausbildung")),
    ),
    ("BAU", "Baureferat", (("BAU-T", "Tiefbau"), ("BAU-H", "Hochbau"), ("BAU-G", "Gartenbau"))),
    (
        "PLAN",
        "Referat für Stadtplanung und Bauordnung",
        (("PLAN-SEP", "Stadtentwicklungsplanung"), ("PLAN-LBK", "Lokalbaukommission")),
    ),
    (
        "SOZ",
        "Sozialreferat",
        (("SOZ-AWM", "Amt für Wohnen und Migration"), ("SOZ-SJA", "Stadtjugendamt")),
    ),
    (
        "KULT",
        "Kulturreferat",
        (("KULT-MSB", "Münchner Stadtbibliothek"), ("KULT-KF", "Kulturförderung")),
    ),
    (
        "RAW",
        "Referat für Arbeit und Wirtschaft",
        (("RAW-WIF", "Wirtschaftsförderung"), ("RAW-MH", "Markthallen")),
    ),
    (
        "RKU",
        "Referat für Klima- und Umweltschutz",
        (("RKU-UV", "Umweltvorsorge"), ("RKU-GB", "Grundsatzfragen und Beteiligung")),
    ),
    ("SKA", "Stadtkämmerei", (("SKA-HHP", "Haushaltsplanung"), ("SKA-KASSE", "Stadtkasse"))),
)
# Units only planted people work in: the department queries (GSR, RKU) stay fully judged.
PLANTED_ONLY_REFERATE = ("GSR", "RKU")


def department_specs() -> list[DepartmentSpec]:
    specs: list[DepartmentSpec] = []
    for code, name, units in REFERATE:
        specs.append(DepartmentSpec(code, name, None))
        specs += [DepartmentSpec(u_code, u_name, code) for u_code, u_name in units]
    return specs


# --- Planted documents: a tiny language for the concept tables below ------------------------

Grades = int | dict[str, int]


@dataclass(frozen=True)
class Plant:
    kind: str
    fields: tuple[str, ...]
    grades: Grades


def P(body: str, grades: Grades) -> Plant:
    """A post (hashtags inline)."""
    return Plant("post", (body,), grades)


def C(body: str, grades: Grades) -> Plant:
    """A comment, on the concept's previous planted post (or on a filler post)."""
    return Plant("comment", (body,), grades)


def K(name: str, description: str, tags: str, grades: Grades) -> Plant:
    """A community."""
    return Plant("community", (name, description, tags), grades)


def E(first: str, last: str, title: str, department: str, grades: Grades) -> Plant:
    """An employee profile."""
    return Plant("employee", (first, last, title, department), grades)


@dataclass(frozen=True)
class Concept:
    key: str
    markers: tuple[str, ...]  # regexes over fold(text): a match needs an explicit grade
    plants: tuple[Plant, ...] = ()
    mentions: tuple[str, ...] = ()  # passing mentions added to filler posts (grade 1)


def concept(
    key: str, markers: str | tuple[str, ...], *plants: Plant, mentions: tuple[str, ...] = ()
) -> Concept:
    return Concept(key, (markers,) if isinstance(markers, str) else markers, plants, mentions)


# fmt: off
CONCEPTS: tuple[Concept, ...] = (
    # --- inflection ------------------------------------------------------------------------
    concept(
        "antrag", r"antr(a|ae)g",
        K("Anträge und Formulare", "Hilfe beim Ausfüllen von Anträgen aller Art: Sonderurlaub, "
          "Telearbeit, Elternzeit. Vorlagen, Fristen und Erfahrungen.",
          "Formulare, Personalservice", 3),
        P("Wie stelle ich einen Antrag auf Sonderurlaub? Formular ausfüllen, von der Führungskraft "
          "abzeichnen lassen und an den Personalservice schicken. #Personalservice", 3),
        C("Anträge auf Elternzeit bitte immer mit Geburtsurkunde einreichen, sonst dauert es "
          "länger.", 2),
        P("Mein Antrag auf Telearbeit ist nach drei Wochen genehmigt worden. Danke an den "
          "Personalservice!", 2),
        C("Unvollständige Antragsformulare schickt der Personalservice zurück, also lieber zweimal "
          "nachsehen.", 2),
        P("Sammelthread: Welche Anträge kann man inzwischen elektronisch stellen? Bisher bekannt: "
          "Sonderurlaub, Telearbeit und Reisekosten.", 3),
        P("Die Aufträge für die Druckerei sind raus, die Flyer kommen nächste Woche.", 0),
        P("Danke für die vielen Beiträge zur Umfrage über die Kantine!", 0),
        mentions=("Den Antrag dafür habe ich schon abgegeben.", "Die Anträge liegen im Postfach."),
    ),
    concept(
        "baum", (r"\bbaeume?n?\b", r"\bbaum(es|s)?\b", r"baumpfl", r"strassenbaeum"),
        K("Stadtbäume München", "Wir kümmern uns um Bäume in der Stadt: Baumpflege, "
          "Nachpflanzungen, "
          "Baumpatenschaften. Fragen zu einzelnen Bäumen gern hier.", "Stadtgrün, Baumpflege",
          {"baum": 3, "baumpflege": 2}),
        P("Im Westpark werden diese Woche zwölf kranke Bäume gefällt und im Herbst durch junge "
          "Linden ersetzt. #Stadtgrün", 3),
        P("Wer kennt sich mit Baumpflege aus? Der Baum vor unserem Dienstgebäude verliert schon im "
          "Juli die Blätter.", {"baum": 3, "baumpflege": 3}),
        C("Die Straßenbäume in der Leopoldstraße bekommen neue Baumscheiben.", 2),
        P("Baumpatenschaft: Unser Team gießt im Sommer den Baum an der Haltestelle.",
          {"baum": 2, "baumpflege": 1}),
        P("Baumpflanzaktion mit den Azubis im Riemer Park am Samstag, Spaten werden gestellt.",
          {"baum": 2, "baumpflege": 1}),
        P("Die Baumaßnahme am Rathaus dauert bis Oktober, der Eingang ist verlegt.",
          {"baum": 0, "massnahme": 1}),
        P("Der Baumarkt in Freiham gibt Rabatt für Beschäftigte der Stadt.", 0),
        P("Am 1. Mai wird im Hof der Maibaum aufgestellt, danach gibt es Weißwurstfrühstück.", 0),
        mentions=("Die Bäume vor dem Fenster werden gerade geschnitten.",),
    ),
    concept(
        "fahrrad", (r"fahrr(a|ae)d", r"dienstr(a|ae)d"),
        K("Mit dem Fahrrad zur Arbeit", "Tipps rund ums Fahrrad: Routen, Reparatur, Diensträder "
          "und "
          "Abstellplätze an den Dienstgebäuden.", "Radfahren, Pendeln", 3),
        P("Ab Juni gibt es im Rathaus 20 neue Diensträder für kurze Dienstwege. Buchung über das "
          "Intranet.", 3),
        C("Fahrräder bitte nicht im Treppenhaus abstellen, der Brandschutz hat sich beschwert.", 2),
        P("Mein Fahrrad wurde vor dem Dienstgebäude gestohlen. Gibt es eine Versicherung über die "
          "Stadt?", 2),
        P("Fahrradwerkstatt im Hof: Am Donnerstag checken Ehrenamtliche kostenlos Bremsen und "
          "Licht.", 2),
        P("Der neue Fahrplan der S-Bahn gilt ab Dezember.", 0),
        P("Fahrtkosten für Termine vor Ort bitte monatlich abrechnen.", 0),
        mentions=("Ich komme heute mit dem Fahrrad.",),
    ),
    concept(
        "vertrag", r"vertr(a|ae)g",
        K("Vertragsmanagement", "Austausch zu Verträgen mit Dienstleistern: Rahmenverträge, "
          "Laufzeiten, Kündigungsfristen und Vorlagen.", "Vergabe, Recht", 3),
        P("Checkliste: Was muss in einen Vertrag mit externen Dienstleistern? Datenschutz, "
          "Haftung, "
          "Kündigung.", 3),
        C("Der Vertrag mit der Reinigungsfirma wird um zwei Jahre verlängert.", 2),
        P("Die Rahmenverträge für Büromaterial laufen Ende des Jahres aus. Bitte meldet Bedarf bis "
          "zum 30. September.", 2),
        P("Arbeitsverträge der neuen Azubis sind unterschrieben, willkommen im Team!", 2),
        P("Die Vorträge der Fachtagung sind jetzt als Video abrufbar.", 0),
        P("Vortrag am Mittwoch: Zeitmanagement im Homeoffice.", {"vertrag": 0, "homeoffice": 1}),
        P("Die elektronische Signatur von Verträgen ist jetzt möglich.",
          {"vertrag": 2, "signatur": 0}),
        mentions=("Der Vertrag liegt zur Unterschrift bereit.",),
    ),
    concept(
        "haus", (r"\bhaus(es)?\b", r"\bhaeuser(n)?\b", r"wohnh(a|ae)us"),
        K("Städtische Wohnhäuser", "Für alle, die an städtischen Häusern arbeiten: Sanierung, "
          "Verwaltung, Anfragen der Mieterinnen und Mieter.", "Wohnen, Bauen", 3),
        P("Die Häuser an der Dachauer Straße werden ab März energetisch saniert, die Mieter sind "
          "informiert. #Wohnen", 3),
        P("Neues Wohnhaus für Auszubildende in Freiham: 120 Zimmer, Einzug im Herbst.", 3),
        P("Das Haus in der Tumblingerstraße bekommt einen Aufzug und ist dann endlich "
          "barrierefrei.",
          {"haus": 2, "barrierefrei_bauen": 1}),
        C("In welchem Haus sitzt eigentlich die Poststelle?", 1),
        P("Der Haushaltsplan 2026 ist beschlossen, die Budgets gehen an die Referate.", 0),
        P("Unser Hausmeister geht in Rente: Abschiedsfeier am Freitag im Foyer.", 0),
    ),
    concept(
        "stadtrat", r"stadtr(a|ae)t",
        K("Aus dem Stadtrat", "Beschlüsse des Stadtrats, Sitzungstermine und was sie für unsere "
          "Arbeit "
          "bedeuten.", "Politik", 3),
        P("Welche Stadträtinnen und Stadträte sitzen im Bildungsausschuss? Gibt es eine Liste?", 3),
        P("Der Stadtrat hat gestern das neue Radverkehrskonzept beschlossen. Die Stadträte waren "
          "sich fast einig.", {"stadtrat": 3, "mor_rad": 1}),
        C("Die Vorlage geht nächste Woche in den Stadtrat.", 2),
        P("Der Sitzungsdienst sucht Unterstützung für die Vollversammlung des Stadtrats am "
          "14. Mai.", 2),
        P("Das Stadtrad an der Münchner Freiheit ist kaputt, bitte nicht buchen.", 0),
        mentions=("Das kommt nach der Sitzung des Stadtrats.",),
    ),
    concept(
        "zustaendigkeit", r"zustaendig",
        K("Wer macht was?", "Hier klären wir Zuständigkeiten: Wer ist für welches Thema zuständig, "
          "wer vertritt wen?", "Organisation", 3),
        P("Geschäftsverteilungsplan aktualisiert: Zuständigkeiten für Beschwerden neu geregelt.",
          3),
        P("Neue Zuständigkeit: Ab Juli bearbeitet das Sachgebiet 3 alle Anfragen zu Parkausweisen.",
          {"zustaendigkeit": 3, "ausweis": 1}),
        C("Die Zuständigkeiten stehen im Geschäftsverteilungsplan im Intranet.", 2),
        P("Kann mir jemand sagen, wer für die Schlüsselverwaltung zuständig ist?", 2),
        P("Der Zustand der Turnhalle ist katastrophal, der Boden hat Risse.",
          {"zustaendigkeit": 0, "rbs_turnhalle": 1}),
        P("Zustandsbericht der Brücken liegt vor.", 0),
    ),
    concept(
        "dienstreise", r"dienstreise",
        K("Dienstreisen und Reisekosten", "Alles zu Dienstreisen: Genehmigung, Buchung, Bahncard "
          "und "
          "Reisekostenabrechnung.", "Reisen, Personalservice", 3),
        P("Dienstreise nach Berlin: Wer hat Erfahrung mit der Buchung über das neue Reiseportal?",
          3),
        P("Hinweis: Dienstreisen ins Ausland brauchen ab sofort vier Wochen Vorlauf.", 3),
        C("Für die Dienstreise nach Hamburg bekommst du die Bahncard erstattet.", 2),
        P("Reisekostenabrechnung für meine Dienstreisen im Mai: Wie lange dauert die Erstattung?",
          2),
        P("Urlaubsreise nach Kroatien: Wer hat Tipps für Split?", 0),
        P("Der Dienstplan für die Feiertage hängt aus.", 0),
        mentions=("Nächste Woche bin ich auf Dienstreise.",),
    ),
    concept(
        "akte", (r"\bakten?\b", r"e-?akte", r"personalakte", r"aktenordner"),
        P("Die Akten aus dem Keller werden bis Ende Mai ins Archiv gebracht. Bitte Aktenordner "
          "beschriften.", 3),
        P("Wie lange muss ich Akten zu abgeschlossenen Verfahren aufbewahren?", 3),
        C("Die Akte liegt bei der Kollegin im Sachgebiet 2.", 2),
        P("Einsicht in die eigene Personalakte: Termin beim Personalservice vereinbaren.", 2),
        P("Festakt zum 50-jährigen Jubiläum der Feuerwache am Freitag.", 0),
        P("Aktionstag Gesundheit: Rückenschule und Sehtest im Foyer.", 0),
        P("Der Verwaltungsakt ist rechtskräftig, Widerspruch ist nicht mehr möglich.", 0),
        mentions=("Die Akte ist noch unterwegs.",),
    ),
    concept(
        "wahl", (r"\bwahl(en)?\b", r"wahlhelf", r"wahllokal", r"kommunalwahl", r"europawahl"),
        K("Wahlhelferinnen und Wahlhelfer", "Für alle, die bei Wahlen helfen: Schulungen, "
          "Einsatzorte, "
          "Erfrischungsgeld.", "Wahlen, Ehrenamt", 3),
        P("Für die Kommunalwahl suchen wir noch 300 Wahlhelfer. Anmeldung bis Ende Januar. #Wahlen",
          3),
        C("Bei der letzten Wahl war ich im Wahllokal in Giesing, sehr nette Truppe.", 2),
        P("Die Wahllokale sind ab 8 Uhr geöffnet, bitte Dienstausweis mitbringen.",
          {"wahl": 2, "ausweis": 1}),
        P("Das Kreisverwaltungsreferat sucht Wahlhelfer für die Europawahl.", 3),
        P("Ergebnisse der Wahlen zum Jugendparlament sind online.", 2),
        P("Das Auswahlverfahren für die Azubis startet im Oktober.", 0),
        P("Große Auswahl in der Kantine heute: drei vegetarische Gerichte.", 0),
        mentions=("Das war kurz nach der Wahl.",),
    ),
    # --- compounds ---------------------------------------------------------------------------
    concept(
        "schulweg", r"schulweg",
        K("Schulwegkostenfreiheit", "Fragen und Antworten zur Schulwegkostenfreiheit: wer "
          "Anspruch auf "
          "Erstattung der Fahrtkosten zur Schule hat und wie der Antrag gestellt wird.", "Schule, "
          "RBS",
          {"schulweg": 3, "kostenfreiheit": 3, "antrag": 1}),
        P("Sicherer Schulweg: Ab Montag stehen wieder Schulweghelfer an der Kreuzung Fürstenrieder "
          "Straße.", 3),
        P("Der Schulwegplan für die Grundschulen in Pasing ist aktualisiert und online.", 3),
        P("Elternbrief zur Schulwegsicherheit: Welche Kreuzungen sind gefährlich? Bitte meldet "
          "Hinweise.", 3),
        C("Die Anträge auf Schulwegkostenfreiheit bearbeitet das RBS.",
          {"schulweg": 2, "kostenfreiheit": 2, "antrag": 1}),
        P("Der Weg zur neuen Schulkantine führt ab sofort über den Pausenhof.", 0),
        P("Schulungen für die neue Software beginnen im März.", 0),
        mentions=("Die Baustelle am Schulweg ist endlich weg.",),
    ),
    concept(
        "buergerbuero", r"buergerbuero",
        K("Bürgerbüro Pasing", "Das Team des Bürgerbüros Pasing: Dienstpläne, Vertretungen und "
          "Neuigkeiten aus dem Bürgerbüro.", "Bürgerbüro, KVR", 3),
        P("Das Bürgerbüro Ruppertstraße hat ab Juli neue Öffnungszeiten: Montag bis Freitag "
          "7:30 bis 12 Uhr.", {"buergerbuero": 3, "oeffnungszeiten": 3, "ruppertstrasse": 3}),
        P("Bürgerbüros stellen auf Onlinetermine um, spontane Vorsprache nur noch in Notfällen.",
          {"buergerbuero": 3, "onlinetermin": 2}),
        C("Im Bürgerbüro Riem fehlt seit Wochen Personal, wir brauchen Unterstützung.", 2),
        P("Das Buergerbuero Forstenried ist wegen Umbau bis August geschlossen.", 3),
        P("Bürgerbürotermine sind im Sommer schnell ausgebucht, früh buchen!", 2),
        P("Neue Büroausstattung: höhenverstellbare Tische für alle Arbeitsplätze.", 0),
        P("Im Großraumbüro ist es zu laut. Wer hat Tipps?", 0),
        mentions=("Meine Kollegin aus dem Bürgerbüro kommt auch.",),
    ),
    concept(
        "kostenfreiheit", r"kostenfreiheit",
        P("Lernmittelkostenfreiheit: Schulbücher werden auch im neuen Schuljahr kostenlos "
          "ausgegeben.", 3),
        P("Neue Regeln zur Kostenfreiheit des Mittagessens in Ganztagsschulen.", 3),
        P("Kostenstellen für 2026 bitte bis Freitag an die Kämmerei melden.", 0),
        P("Reisefreiheit und Europa: Lesung in der Stadtbibliothek.", 0),
    ),
    concept(
        "radweg", r"radweg",
        P("Der Radweg an der Lindwurmstraße wird ab Montag verbreitert. #Radverkehr",
          {"radweg": 3, "mor_rad": 1}),
        P("Radwegenetz 2030: Die Planung liegt aus, Hinweise bis Ende Mai.", 3),
        C("Auf dem Radweg vor dem Rathaus parken ständig Lieferwagen.", 2),
        P("Radwege im Winter: Welche Strecken räumt der Winterdienst zuerst?", 3),
        P("Schäden an Radwegen bitte direkt über die Mängelmelder-App melden.", 2),
        P("Der Gehweg vor dem Eingang ist wegen Bauarbeiten gesperrt.", 0),
        P("Radwechsel am Dienstwagen: Termin in der Werkstatt ist am Dienstag.", 0),
    ),
    concept(
        "wertstoffhof", r"wertstoffh(o|oe)f",
        P("Die Wertstoffhöfe haben ab April wieder samstags geöffnet.",
          {"wertstoffhof": 3, "wertstoff": 3, "oeffnungszeiten": 1}),
        P("Wertstoffhof Moosach: Neue Container für Elektroschrott.",
          {"wertstoffhof": 3, "wertstoff": 3}),
        C("Am Wertstoffhof in der Tischlerstraße war die Schlange heute endlos.",
          {"wertstoffhof": 2, "wertstoff": 2}),
        P("Sperrige Möbel aus dem Umzug bitte nicht im Hof abstellen, sondern zum Wertstoffhof "
          "bringen.",
          {"wertstoffhof": 2, "wertstoff": 2}),
        P("Der Innenhof wird neu bepflanzt, bitte dort keine Fahrräder abstellen.",
          {"wertstoffhof": 0, "fahrrad": 1}),
    ),
    concept(
        "klimaschutz", r"klimaschutz",
        K("Klimaschutz im Büro", "Ideen für mehr Klimaschutz im Arbeitsalltag: Energie sparen, "
          "Papier "
          "reduzieren, klimafreundlich pendeln.", "Klima, Umwelt", 3),
        P("Das Klimaschutzprogramm der Stadt: bis 2035 klimaneutral. Was heißt das für die "
          "Verwaltung?", 3),
        P("Klimaschutzmanagerin gesucht: Stellenausschreibung im Referat für Klima- und "
          "Umweltschutz.",
          {"klimaschutz": 2, "rku": 2, "por_stellen": 1, "ausschreibung": 2}),
        C("Klimaschutz fängt beim Drucken an: doppelseitig bitte!", 2),
        P("Die Klimaanlage im dritten Stock ist defekt, der Techniker kommt morgen.", 0),
        P("Datenschutz-Schulung für alle neuen Beschäftigten am 3. März.", 0),
        mentions=("Auch beim Klimaschutz sind wir dabei.",),
    ),
    concept(
        "ausweis", r"ausweis",
        P("Der Personalausweis kann jetzt auch online beantragt werden, die Abholung ist im "
          "Bürgerbüro.",
          {"ausweis": 3, "personalausweis": 3, "buergerbuero": 1, "antrag": 1}),
        P("Neue Dienstausweise mit Foto: Termine für die Fotos werden per Mail verschickt.", 3),
        C("Mein Dienstausweis ist abgelaufen, wer stellt einen neuen aus?", 2),
        P("Ausweisdokumente für Geflüchtete: Was das Bürgerbüro kontrollieren muss.",
          {"ausweis": 3, "buergerbuero": 2}),
        P("Der Personalausweis meines Sohnes ist abgelaufen. Wie lange dauert ein neuer?",
          {"ausweis": 2, "personalausweis": 3}),
        P("Ausweichtermin für das Teamevent ist der 12. Juli.", 0),
        P("Der Personalausschuss tagt am Mittwoch im großen Sitzungssaal.", 0),
        P("Personalversammlung am Donnerstag, die Dienstbefreiung ist geregelt.", 0),
    ),
    concept(
        "fortbildung", r"fortbild",
        K("Fortbildung und Lernen", "Empfehlungen für Fortbildungen, Erfahrungsberichte aus "
          "Seminaren "
          "und das aktuelle Fortbildungsprogramm.", "Lernen, Personalentwicklung", 3),
        P("Das Fortbildungsprogramm 2026 ist online: neu sind Kurse zu KI und Moderation.", 3),
        C("Die Fortbildung zur Gesprächsführung kann ich sehr empfehlen.", 2),
        P("Wer war schon bei der IT-Fortbildung zu Excel? Lohnt sich der Aufbaukurs?", 2),
        P("Fortbildungen während der Elternzeit: Geht das?", 2),
        P("Neue Ausbildungsplätze im Gartenbau: Bewerbungen bis März.", 0),
        P("Bildungsurlaub genommen? Erfahrungen bitte hier teilen.", 0),
        mentions=("Danach habe ich noch eine Fortbildung.",),
    ),
    concept(
        "personalrat", r"personalrat",
        K("Personalrat informiert", "Aktuelles vom Gesamtpersonalrat: Dienstvereinbarungen, "
          "Sprechstunden und Termine der Personalversammlung.", "Mitbestimmung", 3),
        P("Der Personalrat lädt zur Sprechstunde am Dienstag in Raum 114 ein.", 3),
        P("Neue Dienstvereinbarung zwischen Stadt und Gesamtpersonalrat unterschrieben.", 3),
        C("Hast du das schon mit dem Personalrat abgestimmt?", 2),
        P("Offene Sprechstunde des Personalrats jeden Tag ab 9 Uhr im Erdgeschoss.",
          {"personalrat": 3, "tag_offene_tuer": 0}),
        P("Der Personalservice ist am Freitag nicht erreichbar.", 0),
    ),
    concept(
        "spielplatz", r"spielpl(a|ae)tz",
        P("Der Spielplatz im Ostpark wird bis Juni saniert.", 3),
        P("Neue Wasserspielplätze in Riem und Freiham eröffnet.", 3),
        C("Am Spielplatz neben der Kita fehlt ein Zaun.", {"spielplatz": 2, "kita": 1}),
        P("Spielplatzkontrolle: Die Protokolle gibt es jetzt in der App.", 2),
        P("Der Parkplatz am Verwaltungsgebäude ist ab Montag gesperrt.", 0),
        P("Neue Spielregeln für die Kaffeekasse: bitte wieder auffüllen.", 0),
    ),
    # --- hyphenation ---------------------------------------------------------------------------
    concept(
        "kitaplatz", r"kita[- ]?pl(a|ae)tz",
        K("Kita-Plätze für Beschäftigte", "Die Stadt reserviert Kitaplätze für eigene "
          "Beschäftigte. Hier "
          "gibt es Infos zu Anmeldung, Fristen und freien Plätzen.", "Familie",
          {"kitaplatz": 3, "kita": 3}),
        P("Kitaplatz gesucht: Wer hat Erfahrung mit dem Kita-Finder der Stadt? #Familie",
          {"kitaplatz": 3, "kita": 3}),
        P("Neue Kita-Plätze in der Betriebskita am Rathaus: Anmeldung ab 1. März.",
          {"kitaplatz": 3, "kita": 3}),
        C("Wir haben nach acht Monaten endlich einen Kitaplatz bekommen!",
          {"kitaplatz": 2, "kita": 2}),
        P("Vergabe der Kita Plätze für September: Zusagen kommen bis Mitte Mai.",
          {"kitaplatz": 3, "kita": 3}),
        P("Kita-Sommerfest am Freitag: Wir suchen noch Kuchen und Helfer.",
          {"kitaplatz": 0, "kita": 2}),
        P("Die Parkplätze in der Tiefgarage werden neu vergeben.", 0),
        P("Freie Arbeitsplätze im Coworking-Bereich im 4. Stock.", 0),
    ),
    concept(
        "eakte", (r"e-?akte", r"elektronische akte"),
        K("E-Akte", "Einführung der E-Akte in allen Referaten: Schulungen, Tipps, Fragen und "
          "Antworten.",
          "Verwaltung", {"eakte": 3, "akte": 2}),
        P("Ab Oktober arbeitet auch das Sozialreferat mit der E-Akte, Papierakten werden gescannt.",
          {"eakte": 3, "akte": 2}),
        P("eAkte-Tipp: Mit Strg+F findet man Vorgänge viel schneller.", {"eakte": 3, "akte": 1}),
        C("Die E-Akten der Abteilung sind jetzt alle migriert.", {"eakte": 2, "akte": 2}),
        P("Umstellung auf die elektronische Akte: Was passiert mit alten Ordnern?",
          {"eakte": 2, "akte": 2}),
        P("E-Mail-Postfächer werden im Mai umgezogen.", 0),
        P("Akteurinnen und Akteure der Stadtgesellschaft treffen sich zum Runden Tisch.", 0),
    ),
    concept(
        "homeoffice", r"home[- ]?office",
        K("Homeoffice-Tipps", "Alles rund ums Arbeiten im Homeoffice: Technik, Ergonomie, "
          "Dienstvereinbarung, Erfahrungen.", "Arbeitsplatz",
          {"homeoffice": 3, "mobiles_arbeiten": 1}),
        P("Die neue Home-Office-Regelung gilt ab 1. Juli: bis zu drei Tage pro Woche.",
          {"homeoffice": 3, "mobiles_arbeiten": 1}),
        P("Home Office und Datenschutz: Bitte keine Akten mit nach Hause nehmen.",
          {"homeoffice": 3, "akte": 1}),
        C("Im Homeoffice klappt die VPN-Verbindung bei mir nur morgens.", 2),
        P("Umfrage: Wie viele Tage seid ihr im Home-Office?", 2),
        P("Das Office-Paket wird am Wochenende aktualisiert, bitte Rechner anlassen.", 0),
        P("Die Homepage des Referats hat ein neues Design.", 0),
        mentions=("Morgen bin ich im Homeoffice.",),
    ),
    concept(
        "jobticket", r"job-?ticket",
        P("Das Jobticket wird teurer, der Zuschuss der Stadt steigt aber auch.", 3),
        P("Job-Ticket beantragen: Formular im Intranet, die Bearbeitung dauert zwei Wochen.",
          {"jobticket": 3, "antrag": 1}),
        C("Mein Jobticket gilt auch am Wochenende, oder?", 2),
        P("Jobtickets für Azubis sind kostenlos.", 3),
        P("Das Deutschlandticket gibt es jetzt als Jobticket mit Arbeitgeberzuschuss.",
          {"jobticket": 3, "dticket": 3}),
        P("Ticket im IT-Servicedesk: Der Drucker im 2. OG druckt nur leere Seiten.",
          {"jobticket": 0, "itr_servicedesk": 2}),
        P("Tickets für das Betriebsfest gibt es im Sekretariat.", 0),
    ),
    concept(
        "dticket", (r"deutschland-?ticket", r"\bd-ticket"),
        P("Deutschlandticket für Beschäftigte: Der Zuschuss wird automatisch mit dem Gehalt "
          "verrechnet.", 3),
        P("Deutschland-Ticket: Gilt es auch für Dienstreisen?", {"dticket": 3, "dienstreise": 2}),
        C("Das D-Ticket lohnt sich für mich schon ab zwei Fahrten pro Woche.", 2),
        P("Deutschlandweit einheitliche Formulare? Schön wär's.", 0),
        P("Das Ticketsystem im Servicedesk wird umgestellt.", {"dticket": 0, "itr_servicedesk": 2}),
    ),
    concept(
        "zfa", (r"faktor-?authentifizierung", r"zweifaktor", r"faktor-anmeldung"),
        P("Ab Mai ist die Zwei-Faktor-Authentifizierung für den Fernzugriff Pflicht. #ITSicherheit",
          3),
        P("Anleitung: Zweifaktorauthentifizierung mit der Authenticator-App einrichten.", 3),
        C("Die 2-Faktor-Authentifizierung hat bei mir auf Anhieb funktioniert.", 2),
        P("Probleme mit der Zwei-Faktor-Anmeldung? Der Servicedesk des IT-Referats hilft.",
          {"zfa": 2, "itr_servicedesk": 3}),
        P("Erfolgsfaktor Teamgeist: Rückblick auf die Klausur.", 0),
        P("Zwei neue Kolleginnen im Team, herzlich willkommen!", 0),
    ),
    concept(
        "onlinetermin", r"online[- ]?termin",
        P("Onlinetermine für die Führerscheinstelle sind ab sofort buchbar.",
          {"onlinetermin": 3, "fuehrerschein": 2, "kvr_fuehrerschein": 2}),
        P("Online-Terminvergabe im Standesamt: So funktioniert es.", 3),
        C("Der Online-Termin wurde mir zweimal abgesagt.", 2),
        P("Online-Schulung zur Arbeitssicherheit am Montag.", 0),
        P("Termine für die Online-Redaktion bitte im Kalender eintragen.", 0),
    ),
    concept(
        "signatur", r"signatur",
        P("Neue E-Mail-Signatur: Vorlage im Intranet, bitte bis Ende Juni umstellen.", 3),
        P("Email-Signatur mit Pronomen: Ist das erlaubt?", 3),
        C("Meine Mailsignatur wird in Outlook abgeschnitten.", 2),
        P("E-Mail Signatur für Azubis: Muster von der Ausbildungsleitung.", 3),
        P("E-Mail-Postfach voll? So räumt man auf.", 0),
    ),
    # --- transliteration -----------------------------------------------------------------------
    concept(
        "fuehrerschein", r"fuehrerschein",
        K("Führerscheinstelle (KVR)", "Interne Community der Führerscheinstelle im "
          "Kreisverwaltungsreferat: Dienstpläne, Fachfragen, Umtausch alter Führerscheine.", "KVR",
          {"fuehrerschein": 3, "kvr_fuehrerschein": 3}),
        P("Umtausch alter Führerscheine: Ab Januar sind die Jahrgänge 1971 und später dran.",
          {"fuehrerschein": 3, "kvr_fuehrerschein": 2}),
        P("Die KVR-Führerscheinstelle zieht im Sommer in die Eichstätter Straße um.",
          {"fuehrerschein": 3, "kvr_fuehrerschein": 3}),
        C("Meinen Führerschein habe ich in zwei Wochen bekommen, sehr schnell!",
          {"fuehrerschein": 2, "kvr_fuehrerschein": 1}),
        P("Führerschein für Dienstfahrzeuge: Die Unterweisung ist jährlich beim Fuhrpark.",
          {"fuehrerschein": 2, "kvr_fuehrerschein": 0}),
        E("Birgit", "Lorenz", "Sachbearbeitung Führerscheinstelle", "KVR-HA3",
          {"fuehrerschein": 2, "kvr_fuehrerschein": 2}),
        P("Führungskräfte-Workshop am 4. Juni.", 0),
        P("Parkscheine für Dienstfahrzeuge gibt es im Sekretariat.", 0),
    ),
    concept(
        "oeffnungszeiten", r"oeffnungszeit",
        P("Neue Öffnungszeiten der Kantine: ab Montag schon ab 7 Uhr Frühstück.", 3),
        P("Die Stadtbibliothek erweitert ihre Öffnungszeiten am Wochenende.", 3),
        C("Weiß jemand die Öffnungszeiten der Poststelle?", {"oeffnungszeiten": 2, "weiss": 0}),
        P("Die Öffnung des neuen Hallenbads verschiebt sich auf Herbst.", 0),
        P("Zeiterfassung: Neue Terminals an allen Eingängen.", 0),
        mentions=("Die Öffnungszeiten stehen auf der Website.",),
    ),
    concept(
        "gruenflaechen", r"gruenflaech",
        K("Grünflächen und Parks", "Austausch der Gärtnerinnen und Gärtner: Pflege der "
          "Grünflächen, "
          "Bewässerung, Pflanzpläne.", "Stadtgrün", 3),
        P("Die Grünflächen am Olympiapark werden ab Mai seltener gemäht, für mehr Artenvielfalt.",
          3),
        P("Grünflächenpflege im Winter: Das Laub bleibt in den Beeten liegen.", 3),
        C("Auf der Grünfläche vor dem Amt wachsen jetzt Wildblumen.", 2),
        P("Die Grünen im Bezirksausschuss fordern mehr Sitzbänke.", 0),
        P("Flächennutzungsplan: Änderungen für Freiham veröffentlicht.", 0),
        P("Die grüne Tonne wird jetzt wöchentlich geleert.", 0),
    ),
    concept(
        "aerztlich", r"aerztlich",
        K("Ärztlicher Dienst", "Der Ärztliche Dienst der Stadt informiert über "
          "Einstellungsuntersuchungen, Impfungen und Arbeitsmedizin.", "Gesundheit",
          {"aerztlich": 3, "gsr_impfung": 1}),
        P("Termine beim Ärztlichen Dienst bitte zwei Wochen vorher vereinbaren.", 3),
        P("Einstellungsuntersuchung beim ärztlichen Dienst: Was muss ich mitbringen?", 3),
        C("Der Ärztliche Dienst hat mir bei der Wiedereingliederung sehr geholfen.", 2),
        P("Die Dienstbesprechung am Montag fällt aus.", 0),
        P("Ärger mit dem Drucker? Den Servicedesk anrufen!",
          {"aerztlich": 0, "itr_servicedesk": 1}),
        P("Bereitschaftsdienst an den Feiertagen: Die Liste hängt aus.", 0),
    ),
    concept(
        "pruefung", r"pruefung",
        K("Ausbildung und Prüfungen", "Für Azubis und Anwärter: Lernmaterial, Prüfungstermine, "
          "Austausch.", "Ausbildung", 3),
        P("Die Prüfung zur Verwaltungsfachangestellten findet im Juni statt. Viel Erfolg an alle "
          "Azubis!", 3),
        P("Prüfungsvorbereitung: Die Lerngruppe für die Zwischenprüfung trifft sich donnerstags.",
          3),
        C("Wann gibt es die Ergebnisse der Abschlussprüfung?", 2),
        P("Prüfungen der Brandmeldeanlagen am Wochenende: keine Panik bei Alarm.", 2),
        P("Prüfstand: Die Fahrzeuge des Fuhrparks werden im Mai gewartet.", 0),
    ),
    concept(
        "gebuehr", r"gebuehr",
        P("Die Gebuehren fuer den Anwohnerparkausweis steigen ab Januar.",
          {"gebuehr": 3, "ausweis": 1}),
        P("Gebührenordnung 2026: Neue Gebühren für Sondernutzungen.", 3),
        C("Die Gebuehr wurde mir doppelt abgebucht, an wen wende ich mich?", 2),
        P("Gebührenbescheide werden jetzt elektronisch verschickt.", 3),
        P("Die Bühne für das Sommerfest wird am Donnerstag aufgebaut.", 0),
        P("Geburtstagskaffee im Sachgebiet: Freitag um 10.", 0),
    ),
    # --- ß / ss ----------------------------------------------------------------------------------
    concept(
        "strassenbahn", r"strassenbahn",
        P("Die Straßenbahn nach Schwabing fährt ab Montag wieder im Fünf-Minuten-Takt.", 3),
        P("Neue Straßenbahnlinie durch den Englischen Garten: Bürgerversammlung am Dienstag.",
          {"strassenbahn": 3, "englischer_garten": 2}),
        C("Mit der Straßenbahn bin ich schneller im Büro als mit dem Rad.", 2),
        P("Strassenbahnen im Winter: Warum es an den Haltestellen so zieht.", 2),
        P("Bahnhof Pasing: Der Aufzug ist wieder in Betrieb.", 0),
    ),
    concept(
        "strassenreinigung", r"strassenreinig",
        P("Die Straßenreinigung fährt ab 6 Uhr, bitte Autos umparken.", 3),
        P("Straßenreinigung im Herbst: Laubsauger sind ab 7 Uhr im Einsatz.", 3),
        C("Die Strassenreinigung war heute schon um fünf da.", 2),
        P("Gebühren für die Straßenreinigung werden mit dem Grundsteuerbescheid erhoben.",
          {"strassenreinigung": 3, "gebuehr": 2}),
        P("Reinigungsplan für die Teeküche: Wer ist diese Woche dran?", 0),
    ),
    concept(
        "massnahme", r"massnahm",
        P("Maßnahmenplan Hitzeschutz: Welche Maßnahmen gelten in den Dienstgebäuden?", 3),
        P("Die Maßnahme zur Lärmminderung an der Landshuter Allee startet im Herbst.", 3),
        C("Welche Massnahmen wurden nach dem Wasserschaden ergriffen?", 2),
        P("Sofortmaßnahmen bei IT-Störungen: Checkliste für Führungskräfte.", 2),
        P("Massenmail an alle Beschäftigten: bitte sparsam verwenden.", 0),
        P("Die Masse an E-Mails ist kaum noch zu bewältigen.", 0),
        P("Maßkrugstemmen beim Betriebsausflug: Wer macht mit?", 0),
        mentions=("Die Maßnahme läuft noch bis Ende des Monats.",),
    ),
    concept(
        "bussgeld", r"bussgeld",
        K("Bußgeldstelle", "Austausch in der Bußgeldstelle: Bußgeldbescheide, Einsprüche, "
          "Verwarnungen "
          "im ruhenden Verkehr.", "Verkehr, Recht", 3),
        P("Neuer Bußgeldkatalog: Falschparken auf Radwegen wird teurer.",
          {"bussgeld": 3, "radweg": 2}),
        P("Bussgeldbescheide werden ab Juli nur noch elektronisch verschickt.", 3),
        C("Einspruch gegen einen Bußgeldbescheid geht auch per Mail.", 2),
        P("Die Busse der Linie 58 fahren wegen einer Baustelle eine Umleitung.", 0),
        P("Neue Busspur auf der Rosenheimer Straße ab Montag.", 0),
        P("Der Geldautomat im Foyer ist wieder in Betrieb.", 0),
    ),
    concept(
        "fussgaengerzone", r"fussgaengerzone",
        P("Die Fußgängerzone wird im Advent länger beleuchtet. #Innenstadt", 3),
        P("Lieferverkehr in der Fußgängerzone nur noch bis 10:30 Uhr.", 3),
        C("In der Fussgängerzone stehen jetzt neue Bänke.", 2),
        P("Sondernutzung in der Fußgängerzone: Gebühren und Antragsformular.",
          {"fussgaengerzone": 3, "gebuehr": 2, "antrag": 1}),
        P("Der Fußweg zur Kantine ist wegen Bauarbeiten gesperrt.", 0),
    ),
    concept(
        "fussball", r"fussball",
        K("Fußball-Betriebssport", "Wir kicken jeden Mittwoch nach Dienstschluss. Neue "
          "Mitspielerinnen "
          "und Mitspieler willkommen.", "Sport", 3),
        P("Fußballturnier der Referate am Samstag im Dantestadion!", 3),
        P("Fussball-Ergebnisse vom Wochenende: RBS gegen KVR 3:2.", 3),
        C("Wann ist das nächste Fußballtraining?", 2),
        P("Ball der Stadtverwaltung im Februar, Karten ab sofort.", 0),
    ),
    concept(
        "schloss", r"\bschloss\b",
        P("Betriebsausflug zum Schloss Nymphenburg am 20. Juni: Führung um 14 Uhr.", 3),
        P("Schloss Nymphenburg: Der Schlosspark ist wegen Sturmschäden teilweise gesperrt.", 3),
        C("Am Schloss Nymphenburg gibt es im Sommer Konzerte im Hubertussaal.", 2),
        P("Die Schlösserverwaltung sucht Partner für Führungen im Nymphenburger Park.", 1),
        P("Das Türschloss am Besprechungsraum 3 klemmt, der Hausmeister ist informiert.", 0),
        P("Die Schlosserei im Baureferat sucht Auszubildende.", 0),
    ),
    concept(
        "grossveranstaltung", r"grossveranstalt",
        P("Großveranstaltungen im Olympiapark: Sicherheitskonzepte müssen acht Wochen vorher "
          "vorliegen.", 3),
        P("Grossveranstaltung am Königsplatz: Sperrungen am Samstag.", 3),
        C("Für die Großveranstaltung brauchen wir noch Ordnerinnen.", 2),
        P("Leitfaden für Großveranstaltungen aktualisiert, bitte vor der Wiesn lesen.", 3),
        P("Der Veranstaltungsraum im Erdgeschoss ist ab sofort buchbar.", 0),
        P("Großraumbüro: Neue Regeln für Telefonate.", 0),
    ),
    concept(
        "aussendienst", r"aussendienst",
        P("Der Außendienst der Bezirksinspektion bekommt neue Tablets.", 3),
        P("Stellenausschreibung: Mitarbeiter*in im Aussendienst der Lebensmittelüberwachung.",
          {"aussendienst": 3, "ausschreibung": 2, "por_stellen": 1}),
        C("Im Außendienst ist Regenkleidung Pflicht, die Ausgabe ist im Lager.", 2),
        P("Sicherheit im Außendienst: Deeskalationstraining im März.", 3),
        P("Innendienst an Brückentagen: Bitte Vertretung klären.", 0),
        P("Die Aussendung der Einladungen erfolgt per Post.", 0),
    ),
    concept(
        "ruppertstrasse", r"ruppertstr",
        P("Das KVR in der Ruppertstraße 19 ist am Freitag wegen Betriebsversammlung geschlossen.",
          3),
        C("Parken an der Ruppertstraße ist fast unmöglich, lieber mit der U-Bahn kommen.", 2),
        P("Neue Kantine im Erdgeschoss Ruppertstr. 19 eröffnet.", 2),
        P("Baustelle in der Ruprechtstraße bis Juli.", 0),
    ),
    # --- department abbreviations ----------------------------------------------------------------
    concept(
        "kvr_fundbuero", (r"fundbuero", r"fundsache"),
        K("Fundbüro (KVR)", "Community des Fundbüros im Kreisverwaltungsreferat: Abläufe, "
          "Versteigerungen, kuriose Fundstücke.", "KVR", 3),
        P("Das Fundbüro des Kreisverwaltungsreferats versteigert im Mai wieder Fahrräder.",
          {"kvr_fundbuero": 3, "fahrrad": 1}),
        P("Fundsachen aus der U-Bahn landen nach einer Woche im KVR-Fundbüro.", 3),
        C("Den verlorenen Dienstausweis hat das Fundbüro zurückgeschickt.",
          {"kvr_fundbuero": 2, "ausweis": 2}),
        E("Renate", "Lindner", "Sachbearbeitung Fundbüro", "KVR-HA1", 2),
        P("Fundbüro der Verkehrsbetriebe: Fundsachen aus Bussen und Trams.", 0),
    ),
    concept(
        "kvr_fuehrerschein", r"fuehrerschein",  # the Führerschein documents are graded above
    ),
    concept(
        "rbs_ferien", (r"ferienprogramm", r"ferienbetreuung"),
        K("Ferienprogramm", "Angebote des Referats für Bildung und Sport für die Schulferien: "
          "Ausflüge, "
          "Sportcamps, Betreuung.", "Ferien", 3),
        P("Das RBS-Ferienprogramm für Kinder von Beschäftigten: Anmeldung ab 1. April.", 3),
        P("Ferienbetreuung im Sommer: Das Referat für Bildung und Sport bietet wieder Plätze an.",
          3),
        C("Unser Sohn war letztes Jahr beim Ferienprogramm des RBS, sehr empfehlenswert.", 2),
        P("Ferienprogramm der Stadtbibliothek: Lesesommer für Kinder.", 1),
        P("Das RBS sucht Hausmeister für Schulen in Giesing.", 0),
    ),
    concept(
        "rbs_turnhalle", r"turnhall",
        P("Turnhallenbelegung für Vereine: Das RBS vergibt die Zeiten für das Schuljahr neu.", 3),
        P("Die Turnhallen des Referats für Bildung und Sport sind in den Sommerferien geschlossen.",
          3),
        C("Die Turnhalle an der Guardinistraße wird saniert, sagt das Sportamt.", 2),
        P("Sporthalle des Polizeisportvereins: neue Trainingszeiten.", 0),
        P("Das Referat für Bildung und Sport stellt die neue Schulbauoffensive vor.", 0),
    ),
    concept(
        "itr_passwort", (r"passwort", r"kennwort"),
        P("Das IT-Referat stellt die Passwortrichtlinie um: künftig mindestens 14 Zeichen.", 3),
        P("Passwort vergessen? Das ITR setzt es über das Self-Service-Portal zurück.", 3),
        C("Mein Kennwort läuft morgen ab. Kommt da eine Erinnerung vom IT-Referat?", 2),
        P("Phishing-Warnung des IT-Referats: Niemals das Passwort per Mail weitergeben!", 3),
        P("Das WLAN-Passwort für das Sommerfest hängt am Eingang.", 0),
    ),
    concept(
        "itr_servicedesk", r"servicedesk",
        K("IT-Servicedesk", "Hilfe zur Selbsthilfe und Infos des Servicedesks im IT-Referat: "
          "Störungen, "
          "Wartungsfenster, Anleitungen.", "IT", 3),
        P("Der Servicedesk des IT-Referats ist ab sofort auch per Chat erreichbar.", 3),
        P("ITR-Servicedesk: Neue Telefonnummer 089 233-12345.", 3),
        P("Servicedesk der Stadtbibliothek: Ausleihe nur noch mit Bibliotheksausweis.",
          {"itr_servicedesk": 0, "ausweis": 1}),
        P("Das IT-Referat lädt zur Betriebsversammlung ein.", 0),
    ),
    concept(
        "gsr_impfung", r"impf",
        P("Grippeimpfung für Beschäftigte: Das Gesundheitsreferat impft im Oktober in allen "
          "Dienstgebäuden.", {"gsr_impfung": 3, "gsr": 2}),
        P("Impfaktion des GSR: Termine im Intranet buchbar.", {"gsr_impfung": 3, "gsr": 2}),
        C("Ich war bei der Impfung im GSR, ging ganz schnell.", {"gsr_impfung": 2, "gsr": 1}),
        P("Impfpass verloren? Das Gesundheitsreferat stellt keinen neuen aus, bitte an die "
          "Hausarztpraxis "
          "wenden.", {"gsr_impfung": 2, "gsr": 2}),
        P("Impfung für Hunde: Eine Tierarztpraxis in Sendling gibt Rabatt.", 0),
    ),
    concept(
        "gsr", (r"\bgsr\b", r"gesundheitsreferat"),
        K("GSR intern", "Die Community für alle Beschäftigten des Gesundheitsreferats: "
          "Neuigkeiten, "
          "Termine, Austausch.", "Gesundheit", 3),
        P("Das Gesundheitsreferat zieht 2027 in das neue Verwaltungsgebäude an der Bayerstraße.",
          3),
        P("Neue Referentin für Gesundheit: Das GSR stellt sich neu auf.", 3),
        E("Heike", "Brandstetter", "Sachbearbeitung Gesundheitsvorsorge", "GSR-GVO", 1),
        E("Ahmet", "Demir", "Referent Umweltmedizin", "GSR-UMW", 1),
        E("Valerie", "Kainz", "Teamleitung Gesundheitsvorsorge", "GSR-GVO", 1),
        E("Konstantin", "Rieger", "Verwaltungsangestellter", "GSR-UMW", 1),
        E("Miriam", "Seitz", "Sachbearbeitung", "GSR-GVO", 1),
    ),
    concept(
        "mor_rad", r"radverkehr",
        K("Radverkehr im MOR", "Team Radverkehr im Mobilitätsreferat: Planung, Zählungen, "
          "Anfragen aus "
          "der Bürgerschaft.", "Mobilität", 3),
        P("Das Mobilitätsreferat legt den Radverkehrsplan 2030 vor. #Radverkehr", 3),
        P("Radverkehrszählung: Das MOR sucht Freiwillige für die Zählstellen.", 3),
        C("Beim Radverkehr hat das Mobilitätsreferat endlich Tempo aufgenommen.", 2),
        P("Radverkehrsbeauftragte der Polizei informieren über Fahrraddiebstähle.",
          {"mor_rad": 1, "fahrrad": 2}),
        P("Das Mobilitätsreferat sperrt die Brudermühlbrücke für Autos.", 0),
    ),
    concept(
        "por_stellen", (r"stellenausschreib", r"stellenangebot"),
        P("Das Personal- und Organisationsreferat veröffentlicht ab sofort alle "
          "Stellenausschreibungen "
          "im neuen Karriereportal.", {"por_stellen": 3, "ausschreibung": 3}),
        P("POR: Stellenausschreibung für Sachbearbeitung Personalgewinnung (E9b).",
          {"por_stellen": 3, "ausschreibung": 3}),
        C("Die Stellenangebote des POR findet man auch auf der Website der Stadt.",
          {"por_stellen": 2, "ausschreibung": 1}),
        P("Das POR lädt zum Sommerfest im Innenhof.", 0),
    ),
    concept(
        "rku", (r"\brku\b", r"klima- und umweltschutz"),
        K("RKU intern", "Austausch für alle im Referat für Klima- und Umweltschutz.", "Umwelt", 3),
        P("Das RKU sucht Energiesparideen für städtische Gebäude.", 3),
        P("Umweltpreis des Referats für Klima- und Umweltschutz: Bewerbungen bis Juli.", 3),
        E("Jana", "Voigt", "Referentin Umweltvorsorge", "RKU-UV", 1),
        E("Benedikt", "Kraus", "Sachbearbeitung Beteiligung", "RKU-GB", 1),
        E("Selin", "Aydin", "Sachbearbeitung", "RKU-UV", 1),
        E("Oliver", "Franke", "Teamleitung Grundsatzfragen", "RKU-GB", 1),
    ),
    # --- prefix ----------------------------------------------------------------------------------
    concept(
        "digitalisierung", r"digital",
        K("Digitalisierung der Verwaltung", "Projekte, Erfahrungen und Fragen rund um die "
          "Digitalisierung "
          "städtischer Prozesse.", "Verwaltung", {"digitalisierung": 3, "digitale_verwaltung": 1}),
        P("Digitalisierungsstrategie 2030: Das IT-Referat stellt die Ziele vor.",
          {"digitalisierung": 3, "digitale_verwaltung": 1}),
        P("Wir haben den Urlaubsantrag digitalisiert: keine Papierformulare mehr!",
          {"digitalisierung": 3, "antrag": 2, "digitale_verwaltung": 1}),
        C("Digitalisieren allein reicht nicht, die Prozesse müssen auch einfacher werden.",
          {"digitalisierung": 2, "digitale_verwaltung": 0}),
        P("Workshop: Digitalisierung im Bürgerbüro. Was klappt schon?",
          {"digitalisierung": 3, "buergerbuero": 2, "digitale_verwaltung": 1}),
        P("Die Digitalanzeige am Eingang zeigt die falsche Uhrzeit.",
          {"digitalisierung": 0, "digitale_verwaltung": 0}),
        P("Digitalfunk für die Feuerwehr: neue Geräte im Test.",
          {"digitalisierung": 0, "digitale_verwaltung": 0}),
    ),
    concept(
        "kita", r"\bkita|betriebskita",
    ),
    concept(
        "buergerbeteiligung", r"buergerbeteilig",
        P("Bürgerbeteiligung zum neuen Park in Neuperlach: Workshop am Samstag.", 3),
        P("Bürgerbeteiligung digital: Neue Plattform für Umfragen im Netz.",
          {"buergerbeteiligung": 3, "digitalisierung": 1, "digitale_verwaltung": 1}),
        C("Die Ergebnisse der Bürgerbeteiligung zum Radweg sind online.",
          {"buergerbeteiligung": 2, "radweg": 1}),
        P("Leitlinien für Bürgerbeteiligung im Stadtrat beschlossen.",
          {"buergerbeteiligung": 3, "stadtrat": 1}),
        P("Bürgerversammlung Schwabing: Termine 2026.", 0),
    ),
    concept(
        "personalausweis", r"personalausweis",
    ),
    concept(
        "nachhaltigkeit", r"nachhaltig",
        K("Nachhaltig im Büro", "Tipps für nachhaltiges Arbeiten: Mehrweg statt Einweg, Papier "
          "sparen, "
          "nachhaltige Beschaffung.", "Umwelt", 3),
        P("Der Nachhaltigkeitsbericht der Stadt 2025 ist veröffentlicht.", 3),
        P("Nachhaltige Beschaffung: Ab 2026 nur noch Recyclingpapier.", 3),
        C("Nachhaltiger wäre es, die Flyer gar nicht erst zu drucken.", 2),
        P("Nachhilfe für Azubis in Mathe: Wer hat Zeit?", 0),
        P("Nachtschicht im Bürgerservice: Zuschläge ab Juli.", 0),
    ),
    concept(
        "wertstoff", r"wertstoff",
        P("Wertstoffinseln in Neuhausen werden jetzt öfter geleert.",
          {"wertstoff": 3, "wertstoffhof": 1}),
        P("Wertsachen bitte im Spind einschließen.", 0),
    ),
    concept(
        "baumpflege", r"baumpfl",
    ),
    concept(
        "ausschreibung", r"ausschreib",
        P("Ausschreibungen für Reinigungsleistungen: Die Vergabestelle sucht Erfahrungsberichte.",
          3),
        P("Ausschreibung für neue Dienstfahrzeuge läuft bis Juni.",
          {"ausschreibung": 3, "por_stellen": 0}),
        P("Ausschank beim Sommerfest übernimmt die Jugendabteilung.", 0),
    ),
    # --- phrases ---------------------------------------------------------------------------------
    concept(
        "digitale_verwaltung", r"digital",
        P("Die digitale Verwaltung ist kein Selbstzweck: Sie soll den Bürgerinnen und Bürgern Wege "
          "ersparen.", {"digitale_verwaltung": 3, "digitalisierung": 1}),
        P('Konferenz "Digitale Verwaltung" im Oktober: Wer fährt mit?',
          {"digitale_verwaltung": 3, "digitalisierung": 1}),
        C("Auf dem Weg zur digitalen Verwaltung fehlen uns noch die Schnittstellen.",
          {"digitale_verwaltung": 3, "digitalisierung": 1}),
        P("Leitbild digitale Verwaltung: Entwurf zur Kommentierung.",
          {"digitale_verwaltung": 3, "digitalisierung": 1}),
        P("Die Verwaltung der Stellplätze läuft jetzt über eine digitale Liste.",
          {"digitale_verwaltung": 0, "digitalisierung": 0}),
    ),
    concept(
        "mobiles_arbeiten", r"\bmobil(es|en|e)?\b",
        P("Dienstvereinbarung mobiles Arbeiten: die wichtigsten Änderungen im Überblick.", 3),
        P("Mobiles Arbeiten im Ausland ist nur mit Genehmigung erlaubt.", 3),
        C("Beim mobilen Arbeiten nutze ich nur das Dienstnotebook.", 3),
        P("Erfahrungen nach einem Jahr mobilen Arbeitens: die Umfrageergebnisse.", 3),
        P("Mobile Geräte bitte vor dem Arbeiten am Wochenende aufladen.", 0),
        P("Arbeiten an der Mobilfunkantenne auf dem Dach am Montag.", 0),
    ),
    concept(
        "bgm", (r"gesundheitsmanagement", r"\bbgm\b"),
        P("Betriebliches Gesundheitsmanagement: Neues Kursprogramm mit Yoga und Rückenfit.", 3),
        P("Das betriebliche Gesundheitsmanagement der Stadt sucht Gesundheitslotsen in allen "
          "Referaten.", 3),
        C("Zum betrieblichen Gesundheitsmanagement gehört auch die Gefährdungsbeurteilung "
          "psychischer "
          "Belastungen.", 3),
        P("BGM-Tag am 5. Juni: Gesundheitschecks und Kurzvorträge.", 2),
        P("Gesundheitsmanagement im Krankenhaus: Gastvortrag einer externen Referentin.", 1),
        P("Betriebliche Altersvorsorge: Infoabend der Zusatzversorgungskasse.", 0),
    ),
    concept(
        "englischer_garten", r"englisch\w* garten",
        P("Lauftreff im Englischen Garten: jeden Dienstag 17 Uhr am Chinesischen Turm.", 3),
        P("Der Englische Garten bekommt neue Toiletten am Kleinhesseloher See.", 3),
        C("Mittagspause im Englischen Garten ist einfach unschlagbar.", 2),
        P("Englischkurs für Beschäftigte: Anmeldung bis Freitag, Unterricht im Gartensaal.", 0),
        P("Urban Gardening: Der Gemeinschaftsgarten am Rathaus sucht englischsprachige Helfer.", 0),
    ),
    concept(
        "tag_offene_tuer", r"\btuer\b",
        P("Tag der offenen Tür im Rathaus am 3. Oktober: Wir brauchen noch Helferinnen.", 3),
        P("Tag der offenen Tür bei der Berufsfeuerwehr: Programm für Familien.", 3),
        C("Beim Tag der offenen Tür letztes Jahr waren über 5000 Gäste da.", 3),
        P("Die Tür zum Serverraum bitte nicht offen lassen!", 0),
    ),
    concept(
        "haus_der_kunst", r"haus der kunst|\bkunst\b",
        P("Betriebsausflug ins Haus der Kunst: Führung durch die neue Ausstellung.",
          {"haus_der_kunst": 3, "haus": 0}),
        C("Das Haus der Kunst hat donnerstags bis 22 Uhr geöffnet.",
          {"haus_der_kunst": 3, "haus": 0}),
        P("Kulturreferat und Haus der Kunst starten ein gemeinsames Vermittlungsprogramm.",
          {"haus_der_kunst": 3, "haus": 0}),
        P("Kunst im Haus: In der Kantine hängen jetzt Bilder von Kolleginnen.",
          {"haus_der_kunst": 0, "haus": 0}),
        P("Eine Ausstellung mit Kunst aus den Werkstätten im Foyer des Rathauses.", 0),
    ),
    concept(
        "barrierefrei_bauen", r"barrierefrei",
        P("Leitfaden barrierefreies Bauen für städtische Gebäude aktualisiert.", 3),
        P("Fachtag Barrierefreies Bauen im Planungsreferat am 12. März.", 3),
        C("Beim barrierefreien Bauen fehlt oft das Wissen über Leitsysteme für blinde Menschen.",
          3),
        P("Barrierefreiheit der Website: Der Test hat 12 Mängel gefunden.", 0),
        P("Bauen mit Holz: Die neue Schule entsteht in Holzbauweise.", 0),
    ),
    concept(
        "rathaus_umschau", r"umschau",
        P("Die Rathaus Umschau erscheint ab sofort auch als Newsletter.", 3),
        P("Pressemitteilung in der Rathaus Umschau: Neue Kita-Plätze in Riem.",
          {"rathaus_umschau": 3, "kitaplatz": 2, "kita": 2}),
        C("Steht das schon in der Rathaus Umschau?", 2),
        P("Umschau halten: Wer hat meine Tasse im Rathaus gesehen?", 0),
        P("Rathausführung für neue Beschäftigte am Montag.", 0),
    ),
    concept(
        "stadtwerke", r"stadtwerk",
        P("Die Stadtwerke München bauen das Fernwärmenetz in Sendling aus.", 3),
        P("Kooperation mit den Stadtwerken München: Ladesäulen für Dienstfahrzeuge.", 3),
        C("Die Stadtwerke München haben den Strompreis gesenkt.", 3),
        P("Die Stadtwerke Augsburg besuchen uns zum Erfahrungsaustausch.", 0),
        P("SWM-Baustelle an der Donnersbergerbrücke: Umleitung für Busse.", 1),
    ),
    # --- names: hard negatives in posts (the people are graded by rule, see NAME_RULES) --------
    concept(
        "names_noise", r"$^",
        P("Baustelle in der Müllerstraße: Die Tram fährt bis Ende Mai nicht.",
          {"mueller": 0}),
        P("Mülltrennung im Büro: Bitte Papier, Plastik und Restmüll trennen.", 0),
        P("Skiausflug nach Mayrhofen im Februar, noch Plätze frei!", 0),
        P("Die Müllabfuhr kommt wegen des Feiertags erst am Samstag.", 0),
        P("Weißwurstfrühstück am Freitag im Sachgebiet, bitte in die Liste eintragen.", 0),
    ),
)
# fmt: on

# Concepts whose plants are listed under another concept: their markers still apply.
_CONCEPT_KEYS = {c.key for c in CONCEPTS}

# Planted people: (first, last, job title). They author nothing, so a name occurs only in its
# profile. Hard negatives too (Obermaier, Westermeier, Meierhofer, Schmiedl, Müllner, ...).
NAME_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("Sabine", "Maier", "Sachbearbeiterin"),
    ("Josef", "Maier", "Hausmeister"),
    ("Claudia", "Maier", "Teamleiterin"),
    ("Thomas", "Meier", "Systemadministrator"),
    ("Julia", "Meier", "Referentin"),
    ("Stefan", "Mayer", "Sachbearbeiter"),
    ("Monika", "Mayer", "Verwaltungsangestellte"),
    ("Andreas", "Meyer", "Projektleiter"),
    ("Petra", "Meyer", "Sekretärin"),
    ("Korbinian", "Mayr", "Gärtner"),
    ("Anna", "Müller", "Sachbearbeiterin"),
    ("Michael", "Müller", "Abteilungsleiter"),
    ("Lena", "Müller", "Auszubildende"),
    ("Peter", "Mueller", "Controller"),
    ("Thomas", "Schmidt", "Sachbearbeiter"),
    ("Katrin", "Schmidt", "Juristin"),
    ("Jonas", "Schmitt", "Entwickler"),
    ("Florian", "Schmid", "Techniker"),
    ("Eva", "Hofmann", "Referentin"),
    ("Markus", "Hoffmann", "Sachbearbeiter"),
    ("Katharina", "Huber", "Teamleiterin"),
    ("Georg", "Huber", "Hausmeister"),
    ("Sabine", "Huber", "Verwaltungsangestellte"),
    ("Emre", "Yilmaz", "Sachbearbeiter"),
    ("Tobias", "Brunner", "Ingenieur"),
    ("Anna", "Weiß", "Sachbearbeiterin"),
    ("Martin", "Weiss", "Referent"),
    ("Dragan", "Kovačević", "Systemadministrator"),
    ("Jürgen", "Schäfer", "Sachgebietsleiter"),
    ("Ines", "Schäfer", "Sachbearbeiterin"),
    # hard negatives (share a surface string, are not the person looked for)
    ("Franz", "Obermaier", "Sachbearbeiter"),
    ("Lisa", "Westermeier", "Referentin"),
    ("Hans", "Meierhofer", "Techniker"),
    ("Thomas", "Schmiedl", "Sachbearbeiter"),
    ("Moritz", "Müllner", "Verwaltungsangestellter"),
    ("Lukas", "Hofbauer", "Gärtner"),
    ("Jürgen", "Schäffler", "Controller"),
    ("Stefan", "Maierhöfer", "Sachbearbeiter"),
)

MEIER = {"Maier", "Meier", "Mayer", "Meyer", "Mayr"}
SCHMIDT = {"Schmidt", "Schmitt", "Schmid"}
NameRule = Callable[[str, str], int | None]


def _family(exact: set[str], family: set[str], hi: int = 3, lo: int = 2) -> NameRule:
    return lambda first, last: hi if last in exact else (lo if last in family else None)


def _person(first_name: str, last: str, family: set[str], hi: int = 3, lo: int = 1) -> NameRule:
    def rule(first: str, last_name: str) -> int | None:
        if first == first_name and last_name == last:
            return hi
        return lo if last_name in family else None

    return rule


NAME_RULES: dict[str, tuple[str, NameRule]] = {
    # concept: (marker over the folded profile text, grade rule)
    "meier": (r"\bm(a|e)(i|y)e?r\b", _family({"Meier"}, MEIER)),
    "maier": (r"\bm(a|e)(i|y)e?r\b", _family({"Maier"}, MEIER)),
    "sabine_maier": (r"\bm(a|e)(i|y)e?r\b", _person("Sabine", "Maier", MEIER)),
    "stefan_mayer": (r"\bm(a|e)(i|y)e?r\b", _person("Stefan", "Mayer", MEIER)),
    "mueller": (r"\bmu(e)?ller\b", _family({"Müller", "Mueller"}, set())),
    "schmitt": (r"\bschmi(dt|tt|d)\b", _family({"Schmitt"}, SCHMIDT)),
    "thomas_schmidt": (r"\bschmi(dt|tt|d)\b", _person("Thomas", "Schmidt", SCHMIDT)),
    "hofmann": (r"\bhof+man+\b", _family({"Hofmann"}, {"Hoffmann"})),
    "katharina_huber": (r"\bhuber\b", _person("Katharina", "Huber", {"Huber"})),
    "yilmaz": (r"\byilmaz\b", _family({"Yilmaz"}, set())),
    "brunner": (r"\bbrun+er\b", _family({"Brunner"}, set())),
    "weiss": (r"\bweiss\b", _family({"Weiß", "Weiss"}, set())),
    "kovacevic": (r"\bkovacevic\b", _family({"Kovačević"}, set())),
    "schaefer": (r"\bschaefer\b", _person("Jürgen", "Schäfer", {"Schäfer"})),
}


# --- Queries ---------------------------------------------------------------------------------

QUERIES: tuple[tuple[str, str, str], ...] = (
    # (class, query as typed, concept)
    ("inflection", "Anträge", "antrag"),
    ("inflection", "Bäume", "baum"),
    ("inflection", "Fahrräder", "fahrrad"),
    ("inflection", "Verträge", "vertrag"),
    ("inflection", "Häuser", "haus"),
    ("inflection", "Stadträte", "stadtrat"),
    ("inflection", "Zuständigkeiten", "zustaendigkeit"),
    ("inflection", "Dienstreisen", "dienstreise"),
    ("inflection", "Akten", "akte"),
    ("inflection", "Wahlen", "wahl"),
    ("compounds", "Schulweg", "schulweg"),
    ("compounds", "Bürgerbüro", "buergerbuero"),
    ("compounds", "Kostenfreiheit", "kostenfreiheit"),
    ("compounds", "Radweg", "radweg"),
    ("compounds", "Wertstoffhof", "wertstoffhof"),
    ("compounds", "Klimaschutz", "klimaschutz"),
    ("compounds", "Ausweis", "ausweis"),
    ("compounds", "Fortbildung", "fortbildung"),
    ("compounds", "Personalrat", "personalrat"),
    ("compounds", "Spielplatz", "spielplatz"),
    ("hyphenation", "Kita-Platz", "kitaplatz"),
    ("hyphenation", "Kitaplatz", "kitaplatz"),
    ("hyphenation", "E-Akte", "eakte"),
    ("hyphenation", "Home-Office", "homeoffice"),
    ("hyphenation", "Homeoffice", "homeoffice"),
    ("hyphenation", "Jobticket", "jobticket"),
    ("hyphenation", "Deutschland-Ticket", "dticket"),
    ("hyphenation", "Zwei-Faktor-Authentifizierung", "zfa"),
    ("hyphenation", "Onlinetermin", "onlinetermin"),
    ("hyphenation", "E-Mail-Signatur", "signatur"),
    ("transliteration", "Buergerbuero", "buergerbuero"),
    ("transliteration", "Mueller", "mueller"),
    ("transliteration", "Fuehrerschein", "fuehrerschein"),
    ("transliteration", "Oeffnungszeiten", "oeffnungszeiten"),
    ("transliteration", "Gruenflaechen", "gruenflaechen"),
    ("transliteration", "Aerztlicher Dienst", "aerztlich"),
    ("transliteration", "Kovacevic", "kovacevic"),
    ("transliteration", "Juergen Schaefer", "schaefer"),
    ("transliteration", "Pruefung", "pruefung"),
    ("transliteration", "Gebühren", "gebuehr"),
    ("sz", "Strassenbahn", "strassenbahn"),
    ("sz", "Strassenreinigung", "strassenreinigung"),
    ("sz", "Massnahmen", "massnahme"),
    ("sz", "Bussgeld", "bussgeld"),
    ("sz", "Fussgängerzone", "fussgaengerzone"),
    ("sz", "Fussball", "fussball"),
    ("sz", "Weiss", "weiss"),
    ("sz", "Schloß Nymphenburg", "schloss"),
    ("sz", "Großveranstaltung", "grossveranstaltung"),
    ("sz", "Aussendienst", "aussendienst"),
    ("sz", "Ruppertstrasse", "ruppertstrasse"),
    ("abbreviations", "KVR Fundbüro", "kvr_fundbuero"),
    ("abbreviations", "Kreisverwaltungsreferat Führerschein", "kvr_fuehrerschein"),
    ("abbreviations", "RBS Ferienprogramm", "rbs_ferien"),
    ("abbreviations", "Referat für Bildung und Sport Turnhallen", "rbs_turnhalle"),
    ("abbreviations", "ITR Passwort", "itr_passwort"),
    ("abbreviations", "IT-Referat Servicedesk", "itr_servicedesk"),
    ("abbreviations", "GSR Impfung", "gsr_impfung"),
    ("abbreviations", "Gesundheitsreferat", "gsr"),
    ("abbreviations", "Mobilitätsreferat Radverkehr", "mor_rad"),
    ("abbreviations", "POR Stellenausschreibung", "por_stellen"),
    ("abbreviations", "RKU", "rku"),
    ("names", "Meier", "meier"),
    ("names", "Maier", "maier"),
    ("names", "Sabine Meier", "sabine_maier"),
    ("names", "Mayer Stefan", "stefan_mayer"),
    ("names", "Schmitt", "schmitt"),
    ("names", "Thomas Schmitt", "thomas_schmidt"),
    ("names", "Muller", "mueller"),
    ("names", "Hofman", "hofmann"),
    ("names", "Katarina Huber", "katharina_huber"),
    ("names", "Yilmas", "yilmaz"),
    ("names", "Bruner", "brunner"),
    ("prefix", "digitalis*", "digitalisierung"),
    ("prefix", "Schulw*", "schulweg"),
    ("prefix", "Kita*", "kita"),
    ("prefix", "Bürgerbet*", "buergerbeteiligung"),
    ("prefix", "Fortbild*", "fortbildung"),
    ("prefix", "Personalaus*", "personalausweis"),
    ("prefix", "Nachhaltig*", "nachhaltigkeit"),
    ("prefix", "Wertstoff*", "wertstoff"),
    ("prefix", "Klimasch*", "klimaschutz"),
    ("prefix", "Baumpfl*", "baumpflege"),
    ("prefix", "Ausschreib*", "ausschreibung"),
    ("phrase", '"digitale Verwaltung"', "digitale_verwaltung"),
    ("phrase", '"mobiles Arbeiten"', "mobiles_arbeiten"),
    ("phrase", '"betriebliches Gesundheitsmanagement"', "bgm"),
    ("phrase", '"Englischer Garten"', "englischer_garten"),
    ("phrase", '"Tag der offenen Tür"', "tag_offene_tuer"),
    ("phrase", '"Haus der Kunst"', "haus_der_kunst"),
    ("phrase", '"barrierefreies Bauen"', "barrierefrei_bauen"),
    ("phrase", '"Rathaus Umschau"', "rathaus_umschau"),
    ("phrase", '"Stadtwerke München"', "stadtwerke"),
)


# --- Filler vocabulary (must not touch any concept: validate() checks every document) --------

# fmt: off
FIRST_NAMES = (
    "Alexander", "Andrea", "Barbara", "Benedikt", "Bernd", "Carina", "Christian", "Christina",
    "Daniel", "Daniela", "Dominik", "Elisabeth", "Elke", "Fabian", "Florian", "Franziska",
    "Gabriele", "Hannah", "Helmut", "Isabel", "Johannes", "Julia", "Kathrin", "Klaus", "Laura",
    "Leonie", "Lukas", "Magdalena", "Manuel", "Maria", "Matthias", "Maximilian", "Melanie",
    "Michael", "Nadine", "Nicole", "Patrick", "Philipp", "Ramona", "Regina", "Robert", "Sandra",
    "Sebastian", "Simon", "Sophie", "Stephanie", "Susanne", "Theresa", "Tobias", "Ursula",
    "Valentin", "Veronika", "Wolfgang", "Mehmet", "Aylin", "Luca", "Giulia", "Jelena", "Olena",
    "Taras", "Fatma", "Xaver", "Zenzi", "Quirin", "Vroni", "Stefan", "Thomas", "Anna", "Sabine",
)
LAST_NAMES = (
    "Bauer", "Wagner", "Gruber", "Berger", "Fischer", "Weber", "Schneider", "Wimmer", "Reiter",
    "Moser", "Eder", "Lechner", "Graf", "Fuchs", "Hartl", "Kellner", "Lang", "Pichler", "Riedl",
    "Stadler", "Steiner", "Vogl", "Zellner", "Aigner", "Bichler", "Dengler", "Ertl", "Forster",
    "Gschwendtner", "Haas", "Inninger", "Jäger", "Kastner", "Loibl", "Oberhofer", "Pöschl",
    "Rauch", "Thaler", "Urban", "Winkler", "Nguyen", "Rossi", "Schwarz", "Zimmermann", "Krüger",
    "Öztürk", "Kaiser", "Wolf", "Sommer", "Brandl", "Kreuzer", "Ruhland", "Lehner", "Seidl",
    "Fink", "Wiesner", "Popescu", "Novak", "Horvat", "Kowalski", "Ziegler", "Albrecht",
    "Lindinger", "Strobl", "Wallner", "Hauser", "Ebner", "Kern", "Böhm", "Hartmann",
)
JOB_TITLES = (
    "Sachbearbeitung", "Sachbearbeiterin", "Sachbearbeiter", "Teamleitung", "Sachgebietsleitung",
    "Verwaltungsfachangestellte", "Verwaltungsangestellter", "Referentin", "Referent",
    "Systemadministration", "Projektleitung", "Assistenz der Abteilungsleitung", "Controlling",
    "Juristin", "Ingenieurin", "Technischer Angestellter", "Bibliothekarin", "Sozialpädagogin",
    "Architekt", "Gärtnermeisterin", "Softwareentwicklung", "Datenbankadministration",
)
SKILLS = (
    "Excel", "SAP", "Projektmanagement", "Moderation", "Englisch", "Französisch", "Türkisch",
    "Vergaberecht", "Haushaltsrecht", "Python", "Kommunikation", "Konfliktmanagement", "GIS",
    "Statistik", "Scrum", "Kanban", "Gebärdensprache", "Erste Hilfe", "Präsentation", "Word",
    "Powerpoint", "Linux", "Netzwerke", "Mediation", "Italienisch", "Coaching",
)
ABOUTS = (
    "Seit vielen Jahren bei der Stadt, am liebsten im Team.",
    "Ansprechpartner für Fragen zur Software im Sachgebiet.",
    "In der Freizeit in den Bergen unterwegs.",
    "Ich koordiniere die Termine unserer Arbeitsgruppe.",
    "Gerne per Telefon, Mails lese ich zweimal am Tag.",
    "Quereinsteigerin aus der Privatwirtschaft.",
    "Frag mich einfach, wenn etwas unklar ist.",
    "Teilzeit, erreichbar vormittags.",
    "",
    "",
)
LOCATIONS = (
    "Rathaus", "Marienplatz 8", "Blumenstraße 28", "Bayerstraße 28a", "Schwanthalerstraße 40",
    "Landsberger Straße 30", "Agnes-Bernauer-Straße 89", "Friedenstraße 40", "Tal 31",
)
DISTRICTS = (
    "Schwabing", "Giesing", "Pasing", "Sendling", "Bogenhausen", "Haidhausen", "Moosach", "Laim",
    "Trudering", "Neuhausen", "Milbertshofen", "Hadern", "Thalkirchen", "Freimann", "Maxvorstadt",
    "Lehel", "Au", "Westend", "Allach", "Obergiesing",
)
COMMUNITY_TOPICS = (
    ("Laufgruppe", "Wir laufen gemeinsam nach Dienstschluss, alle Tempi willkommen."),
    ("Kochclub", "Rezepte tauschen und einmal im Monat gemeinsam kochen."),
    ("Fotografie", "Bilder aus der Stadt, Technikfragen und Fotowalks."),
    ("Schach", "Blitzschach in der Mittagspause und ein Turnier im Winter."),
    ("Chor", "Wir singen donnerstags im großen Saal, Noten lesen ist kein Muss."),
    ("Yoga", "Entspannung in der Mittagspause, Matten sind vorhanden."),
    ("Doppelkopf", "Kartenrunde am Freitag, Anfängerinnen willkommen."),
    ("Wandern", "Touren am Wochenende in die Voralpen."),
    ("Lesekreis", "Einmal im Monat ein Roman, dann reden wir darüber."),
    ("Excel-Tipps", "Formeln, Pivot-Tabellen und Makros: Fragen und Antworten."),
    ("SAP-Anwender", "Austausch unter Anwenderinnen und Anwendern, Tipps und Tricks."),
    ("Berufseinstieg", "Für alle, die neu bei der Stadt sind: Fragen ausdrücklich erwünscht."),
    ("Eltern im Dienst", "Vereinbarkeit von Familie und Beruf, Austausch unter Eltern."),
    ("Mentoring", "Erfahrene Kolleginnen und Kollegen begleiten Neue."),
    ("Sprachcafé", "Sprachen üben beim Kaffee: Italienisch, Türkisch, Französisch."),
    ("Agile Methoden", "Scrum, Kanban und was davon in der Verwaltung funktioniert."),
    ("Pendlerinnen und Pendler", "Fahrgemeinschaften und Tipps für den Weg zur Arbeit."),
    ("Imkerei", "Bienen auf dem Dach des Dienstgebäudes, Honig im Herbst."),
    ("Tischtennis", "Platte im Keller, Schläger bitte selbst mitbringen."),
    ("Brettspiele", "Spieleabend jeden zweiten Mittwoch."),
    ("Gitarre", "Zusammen musizieren, vom Lagerfeuer bis zum Blues."),
    ("Projektleitung", "Methoden, Vorlagen und Erfahrungen aus Projekten."),
    ("Datenbanken", "SQL, Berichte und Auswertungen für Fachverfahren."),
    ("Statistik", "Zahlen, Auswertungen und Diagramme für Berichte."),
    ("Kantine", "Speiseplan, Lob und Kritik an die Küche."),
    ("Sommerfest", "Planung des Sommerfests: Helferinnen, Musik und Essen."),
    ("Betriebsausflug", "Ideen und Anmeldung für den jährlichen Ausflug."),
    ("Vielfalt", "Austausch zu Vielfalt und Gleichstellung im Arbeitsalltag."),
    ("Ruhestand", "Für Kolleginnen und Kollegen kurz vor dem Ruhestand."),
    ("Tauschbörse", "Bücher, Spiele und Kinderkleidung zu verschenken."),
)
HASHTAGS = (
    "Teamevent", "Sommerfest", "Kantine", "Danke", "Termin", "Info", "Austausch", "Mittagspause",
    "Feierabend", "Wochenende", "Projekt", "Team", "Neuigkeiten", "Umfrage", "Tipp", "Sport",
    "Musik", "Kultur", "Ehrenamt", "Software",
)
SUBJECTS = (
    "Das Team", "Unsere Abteilung", "Die Projektgruppe", "Die Arbeitsgruppe", "Unser Sachgebiet",
    "Die Redaktion", "Die Poststelle", "Die Ausbildungsleitung", "Das Sekretariat",
    "Die Kollegin aus der Buchhaltung", "Der Kollege aus der Technik", "Die Gleichstellungsstelle",
    "Das Organisationsteam", "Die Hausdruckerei", "Unsere Teamleitung",
)
VERBS = (
    "plant", "bespricht", "veröffentlicht", "überarbeitet", "sucht Unterstützung für", "testet",
    "stellt vor:", "organisiert", "diskutiert", "verschiebt", "bewertet", "bereitet vor:",
    "feiert", "sammelt Ideen für",
)
OBJECTS = (
    "den Jahresbericht", "das Sommerfest", "den Dienstplan", "das neue Intranet",
    "den Umzug ins neue Gebäude", "die Weihnachtsfeier", "das Mentoring-Programm",
    "die Kaffeeküche", "den Newsletter", "die Raumplanung", "die Telefonliste",
    "das Willkommenspaket für Neue", "die Vorlage für Protokolle",
    "die Sitzordnung", "das Teamfrühstück", "die Urlaubsplanung", "das Leitbild",
    "die Besprechungskultur", "den Jahresabschluss", "die Softwareeinführung",
    "die Druckerkontingente", "das Qualitätshandbuch", "die Einarbeitung",
)
TAILS = (
    "ab nächster Woche.", "bis Ende des Monats.", "im Rathaus.", "Feedback ist willkommen!",
    "Details folgen.", "Wer macht mit?", "Danke an alle Beteiligten!",
    "Die Unterlagen liegen im Laufwerk.", "Fragen gerne hier in die Kommentare.", "in Raum 2.14.",
    "nach der Mittagspause.", "am Donnerstag.", "gemeinsam mit den Kolleginnen aus Pasing.",
    "vor den Sommerferien.",
)
COMMENT_BITS = (
    "Danke für die Info!", "Super, bin dabei.", "Gibt es dazu schon einen Termin?",
    "Das hat bei uns gut funktioniert.", "Können wir das nächste Woche besprechen?",
    "Sehr hilfreich, vielen Dank.", "Ich schicke dir die Unterlagen per Mail.", "Klingt gut!",
    "Bitte auch an die Kolleginnen in Pasing denken.", "Servus, ich hätte Interesse.",
    "Ich bin leider im Urlaub.", "Top, gerne wieder!", "Wo liegt die Liste?",
    "Kann man sich noch eintragen?", "Bin ab 10 Uhr da.", "Gute Idee!",
)
# fmt: on


# --- Building --------------------------------------------------------------------------------


def _grades(plant: Plant, owner: str) -> dict[str, int]:
    if isinstance(plant.grades, int):
        return {owner: plant.grades}
    grades = dict(plant.grades)
    grades.setdefault(owner, 0)
    return grades


def build_corpus(seed: int = DEFAULT_SEED, scale: dict[str, int] | None = None) -> Corpus:
    """The whole corpus for a seed: documents with database ids, queries and judgments."""
    rng = random.Random(seed)
    size = {**DEFAULT_SCALE, **(scale or {})}
    departments = department_specs()
    filler_units = [
        d.code for d in departments if d.parent and d.parent not in PLANTED_ONLY_REFERATE
    ]

    employees: list[Doc] = []
    for _ in range(size["employees"]):
        employees.append(
            Doc(
                "employee",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                job_title=rng.choice(JOB_TITLES),
                department=rng.choice(filler_units),
                skills=tuple(sorted(rng.sample(SKILLS, rng.randint(0, 4)))),
                about=rng.choice(ABOUTS),
                location=rng.choice(LOCATIONS),
            )
        )
    writers = list(employees)  # only filler employees write posts and comments
    for first, last, title in NAME_PEOPLE:
        employees.append(
            Doc(
                "employee",
                first_name=first,
                last_name=last,
                job_title=title,
                department=rng.choice(filler_units),
                skills=tuple(sorted(rng.sample(SKILLS, rng.randint(0, 3)))),
                location=rng.choice(LOCATIONS),
                origin="person",
            )
        )

    communities: list[Doc] = []
    for i in range(size["communities"]):
        topic, description = COMMUNITY_TOPICS[i % len(COMMUNITY_TOPICS)]
        district = DISTRICTS[(i // len(COMMUNITY_TOPICS)) % len(DISTRICTS)]
        name = topic if i < len(COMMUNITY_TOPICS) else f"{topic} {district}"
        communities.append(
            Doc(
                "community",
                name=name,
                description=description,
                tags=tuple(sorted(rng.sample(HASHTAGS, 2))),
            )
        )

    posts: list[Doc] = []
    for _ in range(size["posts"]):
        posts.append(Doc("post", body=_filler_post(rng)))
    comments: list[Doc] = []

    # Planted documents. Comments remember their post object until ids are assigned.
    comment_parent: dict[int, Doc] = {}
    planted_posts: list[Doc] = []
    for c in CONCEPTS:
        last_post: Doc | None = None
        for plant in c.plants:
            grades = _grades(plant, c.key)
            origin = f"planted:{c.key}"
            if plant.kind == "post":
                body = plant.fields[0]
                if rng.random() < 0.4:  # vary the length: some planted posts carry filler too
                    body = f"{body} {_filler_sentence(rng)}"
                last_post = Doc("post", body=body, grades=grades, origin=origin)
                planted_posts.append(last_post)
            elif plant.kind == "comment":
                doc = Doc("comment", body=plant.fields[0], grades=grades, origin=origin)
                comments.append(doc)
                comment_parent[id(doc)] = last_post or rng.choice(posts)
            elif plant.kind == "community":
                name, description, tags = plant.fields
                communities.append(
                    Doc(
                        "community",
                        name=name,
                        description=description,
                        tags=tuple(t.strip() for t in tags.split(",") if t.strip()),
                        grades=grades,
                        origin=origin,
                    )
                )
            else:
                first, last, title, dept = plant.fields
                employees.append(
                    Doc(
                        "employee",
                        first_name=first,
                        last_name=last,
                        job_title=title,
                        department=dept,
                        location=rng.choice(LOCATIONS),
                        grades=grades,
                        origin=origin,
                    )
                )
        for mention in c.mentions:
            for target in rng.sample(posts, rng.randint(2, 4)):
                if target.origin == "filler":
                    target.body = f"{target.body} {mention}"
                    target.grades[c.key] = 1
                    target.origin = f"mention:{c.key}"
    posts += planted_posts

    for _ in range(size["comments"]):
        doc = Doc("comment", body=_filler_comment(rng), origin="filler")
        comments.append(doc)
        comment_parent[id(doc)] = rng.choice(posts)

    # Interleave planted and filler documents, then number them: ids are database keys.
    for docs in (employees, communities, posts, comments):
        rng.shuffle(docs)
        for i, doc in enumerate(docs, start=1):
            doc.id = i
    writer_ids = [d.id for d in writers]
    for doc in posts:
        doc.author = rng.choice(writer_ids)
        doc.community = rng.randrange(1, len(communities) + 1) if rng.random() < 0.9 else None
    for doc in comments:
        doc.post = comment_parent[id(doc)].id
        doc.author = rng.choice(writer_ids)
    viewer = writer_ids[0]

    all_docs = employees + communities + posts + comments
    corpus = Corpus(seed, departments, all_docs, [], viewer, {})
    _grade_people(corpus)
    corpus.queries = [
        Query(f"{cls[:4]}-{i:02d}", cls, text, key)
        for cls in CLASSES
        for i, (_, text, key) in enumerate((q for q in QUERIES if q[0] == cls), start=1)
    ]
    corpus.judgments = {
        q.qid: {d.key: d.grades[q.concept] for d in all_docs if d.grades.get(q.concept, 0) > 0}
        for q in corpus.queries
    }
    problems = validate(corpus)
    if problems:
        raise ValueError("inconsistent benchmark corpus:\n" + "\n".join(problems[:40]))
    return corpus


def _grade_people(corpus: Corpus) -> None:
    for doc in corpus.by_kind("employee"):
        if doc.origin != "person":
            continue
        for key, (_, rule) in NAME_RULES.items():
            grade = rule(doc.first_name, doc.last_name)
            if grade is not None:
                doc.grades[key] = grade


def _filler_sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"


def _filler_post(rng: random.Random) -> str:
    sentences = [_filler_sentence(rng) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    if rng.random() < 0.3:
        sentences.append(f"Treffpunkt in {rng.choice(DISTRICTS)}.")
    tags = " ".join(f"#{t}" for t in rng.sample(HASHTAGS, rng.choice((0, 0, 1, 2))))
    return " ".join(sentences + ([tags] if tags else []))


def _filler_comment(rng: random.Random) -> str:
    return " ".join(rng.sample(COMMENT_BITS, rng.choice((1, 1, 2))))


# --- Consistency ---------------------------------------------------------------------------


def markers() -> dict[str, list[re.Pattern[str]]]:
    found: dict[str, list[re.Pattern[str]]] = {}
    for c in CONCEPTS:
        found.setdefault(c.key, []).extend(re.compile(m) for m in c.markers)
    for key, (marker, _) in NAME_RULES.items():
        found.setdefault(key, []).append(re.compile(marker))
    return found


def validate(corpus: Corpus) -> list[str]:
    """Everything that would make a judgment wrong or a query meaningless, as messages."""
    problems: list[str] = []
    concept_keys = set(markers())
    patterns = markers()
    for doc in corpus.docs:
        folded = fold(corpus.text(doc))
        for key, regexes in patterns.items():
            if key in doc.grades:
                continue
            if any(r.search(folded) for r in regexes):
                problems.append(
                    f"{doc.key} ({doc.origin}) matches {key!r} but has no grade: "
                    f"{corpus.text(doc)[:90]!r}"
                )
        for key in doc.grades:
            if key not in concept_keys:
                problems.append(f"{doc.key}: unknown concept {key!r}")
    for q in corpus.queries:
        if q.concept not in concept_keys:
            problems.append(f"{q.qid}: unknown concept {q.concept!r}")
        grades = corpus.judgments.get(q.qid, {}).values()
        if not any(g >= 2 for g in grades):
            problems.append(f"{q.qid} {q.text!r}: no document with grade >= 2")
    for cls in CLASSES:
        n = sum(1 for q in corpus.queries if q.cls == cls)
        if n < 8:
            problems.append(f"class {cls}: only {n} queries")
    return problems


def summary(corpus: Corpus) -> dict[str, int]:
    counts = {kind: len(corpus.by_kind(kind)) for kind in KINDS}
    counts["documents"] = len(corpus.docs)
    counts["queries"] = len(corpus.queries)
    counts["judged relevant (grade > 0)"] = sum(len(j) for j in corpus.judgments.values())
    counts["planted"] = sum(1 for d in corpus.docs if d.origin.startswith(("planted", "person")))
    return counts


def iter_relevant(corpus: Corpus, qid: str, min_grade: int = 1) -> Iterable[str]:
    return (k for k, g in corpus.judgments[qid].items() if g >= min_grade)
