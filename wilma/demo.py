"""The demo organisation: a Munich-like city administration built through the services.

`build_demo(seed=...)` fills an empty database with the city's Referate and their units, about
300 employees with German names, profiles, deputies and follows, and about 25 communities with
every visibility, join policy and role, pending join requests and invitations. The same seed
(with the pinned Faker version) always gives the same usernames, units and memberships.

Every generated account, including the site admin, gets the documented password
`DEMO_PASSWORD`: this data is for local demos only.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker

from communities import permissions as community_perms
from communities import services as community_services
from communities.models import (
    Community,
    Invitation,
    InvitationStatus,
    JoinPolicy,
    JoinRequest,
    Membership,
    RequestStatus,
    Role,
    Visibility,
)
from people import services as people_services
from people.models import Department, Employee, Follow

DEFAULT_SEED = 2026
DEMO_PASSWORD = "wilma-demo"
EMPLOYEE_COUNT = 300
INACTIVE_COUNT = 5
# Reserved by RFC 2606: demo data must never address real city mailboxes.
EMAIL_DOMAIN = "muenchen.example"
# Size of the most popular community; the n-th most popular gets about TOP / n (Zipf).
COMMUNITY_TOP_SIZE = 130
COMMUNITY_MIN_SIZE = 4

# --- The organisation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferatSpec:
    code: str
    name: str
    weight: int  # share of the staff
    buildings: tuple[str, ...]
    # Abteilung name -> its Sachgebiete; codes are derived: KVR-II, KVR-II-1 ...
    units: tuple[tuple[str, tuple[str, ...]], ...]
    job_titles: tuple[str, ...]
    skills: tuple[str, ...]


REFERATE: tuple[ReferatSpec, ...] = (
    ReferatSpec(
        "D",
        "Direktorium",
        5,
        ("Marienplatz 8", "Burgstraße 4", "Winzererstraße 68"),
        (
            ("Stadtkanzlei", ("Stadtratsangelegenheiten", "Protokoll")),
            ("Presse- und Informationsamt", ("Pressestelle", "Onlineredaktion muenchen.de")),
            ("Statistisches Amt", ("Bevölkerungsstatistik", "Wahlen")),
            ("Rechtsabteilung", ("Verwaltungsrecht und Satzungen",)),
        ),
        (
            "Sachbearbeiter*in Stadtratsangelegenheiten",
            "Redakteur*in",
            "Statistiker*in",
            "Jurist*in",
            "Wahlsachbearbeiter*in",
        ),
        ("Statistik", "Redaktion", "Kommunalrecht", "Wahlrecht", "Öffentlichkeitsarbeit"),
    ),
    ReferatSpec(
        "KVR",
        "Kreisverwaltungsreferat",
        12,
        ("Ruppertstraße 19", "Eichstätter Straße 2", "An der Hauptfeuerwache 8"),
        (
            (
                "Hauptabteilung I Sicherheit und Ordnung",
                ("Veranstaltungen", "Gewerbeangelegenheiten", "Waffen- und Sprengstoffrecht"),
            ),
            (
                "Hauptabteilung II Einwohnerwesen",
                ("Bürgerbüro", "Ausländerbehörde", "Standesamt"),
            ),
            (
                "Hauptabteilung III Straßenverkehr",
                ("Fahrerlaubnisbehörde", "Kfz-Zulassungsstelle"),
            ),
            (
                "Hauptabteilung IV Branddirektion",
                ("Einsatzplanung", "Vorbeugender Brandschutz"),
            ),
        ),
        (
            "Sachbearbeiter*in Bürgerbüro",
            "Sachbearbeiter*in Ausländerbehörde",
            "Standesbeamt*in",
            "Sachbearbeiter*in Kfz-Zulassung",
            "Sachbearbeiter*in Gewerbeangelegenheiten",
            "Brandmeister*in",
            "Brandoberinspektor*in",
        ),
        (
            "Melderecht",
            "Ausländerrecht",
            "Straßenverkehrsrecht",
            "Personenstandsrecht",
            "Gewerberecht",
            "Brandschutz",
        ),
    ),
    ReferatSpec(
        "ITR",
        "IT-Referat",
        10,
        ("Agnes-Bernauer-Straße 97", "Marsstraße 19"),
        (
            ("Strategie und Steuerung", ("IT-Strategie", "Architekturmanagement")),
            ("Digitalisierung", ("Digitale Services", "Open Data", "KI-Kompetenzzentrum")),
            (
                "it@M Service",
                ("Arbeitsplatzservice", "Rechenzentrum und Plattformbetrieb", "Servicedesk"),
            ),
        ),
        (
            "Systemadministrator*in",
            "Softwareentwickler*in",
            "IT-Architekt*in",
            "Referent*in für Digitalisierung",
            "Product Owner",
            "Data Scientist",
            "IT-Servicetechniker*in",
            "Informationssicherheitsbeauftragte*r",
        ),
        (
            "Python",
            "Java",
            "Linux",
            "Kubernetes",
            "IT-Sicherheit",
            "Open Source",
            "Datenanalyse",
            "Künstliche Intelligenz",
            "UX-Design",
        ),
    ),
    ReferatSpec(
        "RBS",
        "Referat für Bildung und Sport",
        12,
        ("Bayerstraße 28", "Landsberger Straße 30"),
        (
            ("Geschäftsbereich KITA", ("Kita-Betrieb", "Fachberatung Kita")),
            (
                "Geschäftsbereich Allgemeinbildende Schulen",
                ("Grund- und Mittelschulen", "Schülerbeförderung und Schulwegkostenfreiheit"),
            ),
            ("Geschäftsbereich Berufliche Schulen", ("Berufsschulen",)),
            ("Sportamt", ("Sportförderung", "Sportanlagen")),
        ),
        (
            "Pädagogische Fachkraft",
            "Erzieher*in",
            "Kita-Leitung",
            "Schulverwaltungsangestellte*r",
            "Fachberater*in Kita",
            "Sportwissenschaftler*in",
        ),
        ("Pädagogik", "Inklusion", "Schulrecht", "Sportförderung", "Frühkindliche Bildung"),
    ),
    ReferatSpec(
        "SOZ",
        "Sozialreferat",
        11,
        ("Orleansplatz 11", "Werinherstraße 89"),
        (
            ("Amt für Wohnen und Migration", ("Wohnungslosenhilfe", "Integration", "Wohngeld")),
            ("Stadtjugendamt", ("Kinder- und Jugendhilfe", "Adoptionsvermittlung")),
            ("Sozialbürgerhäuser", ("Sozialbürgerhaus Mitte", "Sozialbürgerhaus Nord")),
        ),
        (
            "Sozialpädagog*in",
            "Sachbearbeiter*in Wohngeld",
            "Fachkraft Bezirkssozialarbeit",
            "Sachbearbeiter*in Grundsicherung",
            "Integrationsberater*in",
        ),
        ("Sozialrecht", "Beratung", "Migration", "Wohnungslosenhilfe", "Kinderschutz"),
    ),
    ReferatSpec(
        "PLAN",
        "Referat für Stadtplanung und Bauordnung",
        6,
        ("Blumenstraße 28b", "Blumenstraße 31"),
        (
            (
                "Hauptabteilung I Stadtentwicklungsplanung",
                ("Stadtentwicklung", "Stadtsanierung"),
            ),
            ("Hauptabteilung II Stadtplanung", ("Bebauungspläne Nord", "Bebauungspläne Süd")),
            ("Hauptabteilung IV Lokalbaukommission", ("Baugenehmigungen", "Denkmalschutz")),
        ),
        (
            "Stadtplaner*in",
            "Architekt*in",
            "Bauingenieur*in",
            "Sachbearbeiter*in Baugenehmigung",
            "Denkmalpfleger*in",
        ),
        ("Baurecht", "GIS", "Stadtplanung", "CAD", "Denkmalschutz"),
    ),
    ReferatSpec(
        "BAU",
        "Baureferat",
        8,
        ("Friedenstraße 40",),
        (
            ("Hochbau", ("Schulbau", "Bauunterhalt")),
            ("Tiefbau", ("Brückenbau", "Straßenbau", "Stadtentwässerung")),
            ("Gartenbau", ("Grünflächenpflege", "Spielplätze")),
        ),
        (
            "Ingenieur*in Tiefbau",
            "Ingenieur*in Hochbau",
            "Bautechniker*in",
            "Landschaftsarchitekt*in",
            "Gärtnermeister*in",
            "Projektleitung Schulbau",
        ),
        ("Tiefbau", "Hochbau", "BIM", "AutoCAD", "Baumpflege"),
    ),
    ReferatSpec(
        "KOM",
        "Kommunalreferat",
        6,
        ("Roßmarkt 3", "Georg-Brauchle-Ring 29"),
        (
            ("Immobilienservice", ("Flächenmanagement", "Mietverwaltung")),
            ("Abfallwirtschaftsbetrieb München", ("Wertstoffhöfe", "Abfallberatung")),
            ("GeodatenService", ("Vermessung", "Geodatenmanagement")),
            ("Markthallen München", ("Viktualienmarkt",)),
        ),
        (
            "Sachbearbeiter*in Liegenschaften",
            "Vermessungsingenieur*in",
            "Geoinformatiker*in",
            "Abfallberater*in",
            "Marktmeister*in",
        ),
        ("Immobilienmanagement", "GIS", "Vermessung", "Kreislaufwirtschaft"),
    ),
    ReferatSpec(
        "RAW",
        "Referat für Arbeit und Wirtschaft",
        4,
        ("Herzog-Wilhelm-Straße 15",),
        (
            ("Wirtschaftsförderung", ("Gründungsberatung", "Standortmarketing")),
            ("Beschäftigungs- und Qualifizierungspolitik", ("Münchner Beschäftigungsprogramm",)),
            ("Tourismus", ("Tourist Information",)),
        ),
        (
            "Wirtschaftsförderer*in",
            "Referent*in Standortmarketing",
            "Gründungsberater*in",
            "Referent*in Tourismus",
        ),
        ("Wirtschaftsförderung", "Tourismus", "Arbeitsmarktpolitik"),
    ),
    ReferatSpec(
        "RKU",
        "Referat für Klima- und Umweltschutz",
        5,
        ("Bayerstraße 28a",),
        (
            ("Klimaschutz und Energie", ("Energieberatung", "Klimaneutralität 2035")),
            ("Umweltschutz", ("Luftreinhaltung", "Lärmschutz")),
            ("Umweltvorsorge", ("Bildung für nachhaltige Entwicklung",)),
        ),
        (
            "Klimaschutzmanager*in",
            "Umweltingenieur*in",
            "Energieberater*in",
            "Referent*in Nachhaltigkeit",
        ),
        ("Klimaschutz", "Energiewende", "Umweltrecht", "Nachhaltigkeit"),
    ),
    ReferatSpec(
        "GSR",
        "Gesundheitsreferat",
        6,
        ("Dachauer Straße 90", "Bayerstraße 28a"),
        (
            ("Gesundheitsschutz", ("Infektionsschutz", "Hygiene und Umweltmedizin")),
            ("Gesundheitsvorsorge", ("Schuleingangsuntersuchung", "Suchtprävention")),
            ("Gesundheitsplanung", ("Gesundheitsberichterstattung",)),
        ),
        (
            "Ärzt*in im öffentlichen Gesundheitsdienst",
            "Hygienekontrolleur*in",
            "Sozialmedizinische Assistenz",
            "Suchtberater*in",
        ),
        ("Infektionsschutz", "Gesundheitsförderung", "Epidemiologie"),
    ),
    ReferatSpec(
        "KULT",
        "Kulturreferat",
        5,
        ("Burgstraße 4", "Hans-Preißinger-Straße 8"),
        (
            ("Kulturförderung", ("Freie Szene", "Stadtteilkultur")),
            ("Münchner Stadtbibliothek", ("Zentralbibliothek", "Stadtteilbibliotheken")),
            ("Städtische Museen", ("Münchner Stadtmuseum",)),
        ),
        (
            "Bibliothekar*in",
            "Kulturmanager*in",
            "Kurator*in",
            "Fachangestellte*r für Medien- und Informationsdienste",
        ),
        ("Bibliothekswesen", "Kulturmanagement", "Veranstaltungsmanagement"),
    ),
    ReferatSpec(
        "MOR",
        "Mobilitätsreferat",
        6,
        ("Implerstraße 9",),
        (
            ("Strategie", ("Verkehrsentwicklungsplanung", "Radverkehr")),
            ("Verkehrs- und Betriebsmanagement", ("Verkehrssteuerung", "Parkraummanagement")),
            ("Mobilitätsmanagement", ("E-Mobilität und Sharing", "Betriebliche Mobilität")),
        ),
        (
            "Verkehrsplaner*in",
            "Mobilitätsmanager*in",
            "Referent*in E-Mobilität",
            "Verkehrsingenieur*in",
            "Radverkehrsbeauftragte*r",
        ),
        ("Verkehrsplanung", "E-Mobilität", "Radverkehr", "Verkehrsmodellierung"),
    ),
    ReferatSpec(
        "POR",
        "Personal- und Organisationsreferat",
        5,
        ("Marienplatz 8", "Herzog-Wilhelm-Straße 11"),
        (
            ("Personalentwicklung", ("Aus- und Fortbildung", "Führungskräfteentwicklung")),
            ("Personalservice", ("Entgeltabrechnung", "Personalgewinnung")),
            ("Organisation", ("Organisationsberatung",)),
        ),
        (
            "Personalsachbearbeiter*in",
            "Personalentwickler*in",
            "Ausbildungsleitung",
            "Organisationsberater*in",
            "Recruiter*in",
        ),
        ("Personalentwicklung", "Tarifrecht (TVöD)", "Recruiting", "Organisationsentwicklung"),
    ),
    ReferatSpec(
        "SKA",
        "Stadtkämmerei",
        4,
        ("Herzog-Wilhelm-Straße 11",),
        (
            ("Haushalt und Finanzen", ("Haushaltsplanung", "Finanzcontrolling")),
            ("Steueramt", ("Gewerbesteuer", "Grundsteuer")),
            ("Stadtkasse", ("Zahlungsverkehr", "Vollstreckung")),
        ),
        (
            "Haushaltssachbearbeiter*in",
            "Controller*in",
            "Steuersachbearbeiter*in",
            "Kassenverwalter*in",
        ),
        ("Haushaltsrecht", "Controlling", "Doppik", "Steuerrecht"),
    ),
)

ROMAN = ("I", "II", "III", "IV", "V", "VI")

GENERAL_JOB_TITLES = (
    "Sachbearbeiter*in",
    "Verwaltungsfachangestellte*r",
    "Teamleitung",
    "Auszubildende*r Verwaltungsfachangestellte*r",
    "Inspektoranwärter*in",
    "Duale*r Student*in Public Management",
)
REFERAT_STAFF_TITLES = (
    "Referent*in der Referatsleitung",
    "Büroleitung der Referatsleitung",
    "Pressesprecher*in",
    "Datenschutzbeauftragte*r",
    "Controller*in",
)
ABTEILUNG_STAFF_TITLES = (
    "Stellvertretende Abteilungsleitung",
    "Assistenz der Abteilungsleitung",
    "Referent*in Grundsatzfragen",
    "Haushaltssachbearbeiter*in",
)
GENERAL_SKILLS = (
    "Verwaltungsrecht",
    "Projektmanagement",
    "Agiles Arbeiten",
    "Bürgerbeteiligung",
    "Barrierefreiheit",
    "Moderation",
    "Datenschutz",
    "Excel",
    "SAP",
    "E-Akte",
    "Vergaberecht",
    "Öffentlichkeitsarbeit",
    "Konfliktmanagement",
    "Prozessmanagement",
    "Change Management",
    "Leichte Sprache",
    "Design Thinking",
    "Scrum",
    "Wissensmanagement",
    "Interkulturelle Kompetenz",
    "Führung",
)
# (code, probability) besides German, which everybody speaks.
LANGUAGES = (
    ("en", 0.65),
    ("fr", 0.12),
    ("es", 0.08),
    ("it", 0.08),
    ("tr", 0.05),
    ("hr", 0.04),
    ("el", 0.03),
    ("pl", 0.03),
    ("ru", 0.03),
    ("uk", 0.02),
    ("ar", 0.02),
)
ABOUT_TEMPLATES = (
    "Seit {year} bei der Landeshauptstadt München, aktuell im Bereich {unit}. "
    "Ansprechperson für {skill}, fragt mich gern!",
    "Ich arbeite im Bereich {unit} und freue mich über Austausch zu {skill}. {hobby}",
    "Zuständig für {unit}. Schwerpunkt: {skill}. Am besten erreichbar vormittags.",
    "{hobby} Beruflich kümmere ich mich um {unit}, seit {year} im Team.",
)
HOBBIES = (
    "In der Freizeit oft mit dem Radl an der Isar unterwegs.",
    "Singe im Chor der Stadtverwaltung.",
    "Am Wochenende gern in den Bergen.",
    "Beim Firmenlauf jedes Jahr dabei.",
    "Ehrenamtlich bei der Freiwilligen Feuerwehr.",
    "Spiele Schach im Verein.",
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    department: str  # short code
    job_title: str
    is_admin: bool = False


DEMO_ACCOUNTS = (
    DemoAccount(
        "admin", "Wilma", "Administration", "ITR-III-2", "Administrator*in WILMA", is_admin=True
    ),
    DemoAccount(
        "erika.mustermann", "Erika", "Mustermann", "KVR-II-1", "Sachbearbeiterin Bürgerbüro"
    ),
    DemoAccount("max.huber", "Max", "Huber", "RBS-II-2", "Ausbildungsbeauftragter"),
)

# --- The communities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunitySpec:
    slug: str
    name: str
    description: str
    visibility: str
    join_policy: str
    tags: tuple[str, ...] = ()
    restricted_to: str | None = None  # Referat short code
    affinity: tuple[str, ...] = ()  # Referate whose staff join more often
    audience: tuple[str, ...] = ()  # job-title fragments (lower case) of who joins most often
    archived: bool = False


P, R, S = Visibility.PUBLIC, Visibility.PRIVATE, Visibility.SECRET
OPEN, REQUEST, INVITE = JoinPolicy.OPEN, JoinPolicy.REQUEST, JoinPolicy.INVITATION

# In order of popularity: the n-th gets about COMMUNITY_TOP_SIZE / n members.
COMMUNITIES: tuple[CommunitySpec, ...] = (
    CommunitySpec(
        "digitalisierung",
        "Digitalisierung",
        "Alles rund um die digitale Transformation der Stadtverwaltung: OZG-Leistungen, "
        "E-Akte, neue Werkzeuge und gute Beispiele aus den Referaten.",
        P,
        OPEN,
        ("Digitalisierung", "Verwaltungsmodernisierung", "OZG"),
        affinity=("ITR", "D", "POR"),
    ),
    CommunitySpec(
        "nachwuchskraefte",
        "Nachwuchskräfte",
        "Für Auszubildende, Anwärter*innen und dual Studierende aller Referate: Austausch, "
        "Lerngruppen, Stammtisch und Tipps für die Prüfungsvorbereitung.",
        P,
        OPEN,
        ("Ausbildung", "Duales Studium", "Vernetzung"),
        affinity=("POR",),
        audience=("auszubildende", "anwärter", "student"),
    ),
    CommunitySpec(
        "betriebssport",
        "Betriebssport und Firmenlauf",
        "Laufgruppen, Fußball, Volleyball und die Anmeldung zum Firmenlauf im Olympiapark.",
        P,
        OPEN,
        ("Sport", "Gesundheit"),
    ),
    CommunitySpec(
        "mobiles-arbeiten",
        "Mobiles Arbeiten",
        "Erfahrungen, Fragen und Tipps zum mobilen Arbeiten und zur Dienstvereinbarung.",
        P,
        OPEN,
        ("Homeoffice", "New Work"),
        affinity=("POR",),
    ),
    CommunitySpec(
        "open-government",
        "Open Government",
        "Offene Daten, Transparenz und Beteiligung: vom Open-Data-Portal bis zur "
        "Bürgerbeteiligung bei Planungsprojekten.",
        P,
        OPEN,
        ("Open Data", "Transparenz", "Bürgerbeteiligung"),
        affinity=("ITR", "D", "KOM"),
    ),
    CommunitySpec(
        "kvr-intern",
        "KVR intern",
        "Interne Informationen für alle Beschäftigten des Kreisverwaltungsreferats.",
        R,
        REQUEST,
        ("KVR", "Intern"),
        restricted_to="KVR",
    ),
    CommunitySpec(
        "smart-city",
        "Smart City",
        "Sensorik, urbane Datenplattform und digitale Zwillinge: wie München vernetzter und "
        "lebenswerter wird.",
        P,
        OPEN,
        ("Smart City", "Urbane Datenplattform", "Digitaler Zwilling"),
        affinity=("ITR", "MOR", "RKU", "PLAN"),
    ),
    CommunitySpec(
        "e-mobilitaet",
        "E-Mobilität",
        "Ladeinfrastruktur, elektrische Dienstfahrzeuge und Sharing-Angebote in der Stadt.",
        P,
        OPEN,
        ("Elektromobilität", "Ladeinfrastruktur", "Dienstfahrzeuge"),
        affinity=("MOR", "RKU", "BAU"),
    ),
    CommunitySpec(
        "klimaneutrales-muenchen",
        "Klimaneutrales München 2035",
        "Maßnahmen, Ideen und Fortschritte auf dem Weg zur klimaneutralen Stadtverwaltung.",
        P,
        OPEN,
        ("Klimaschutz", "Nachhaltigkeit"),
        affinity=("RKU",),
    ),
    CommunitySpec(
        "agiles-arbeiten",
        "Agiles Arbeiten",
        "Scrum, Kanban und Retrospektiven im Verwaltungsalltag: Erfahrungsaustausch und "
        "Methodenkoffer.",
        P,
        OPEN,
        ("Agil", "Scrum", "Kanban"),
        affinity=("ITR", "POR"),
    ),
    CommunitySpec(
        "barcamp-digitale-stadt",
        "BarCamp Digitale Stadt",
        "Organisation und Sessionplanung für das jährliche BarCamp Digitale Stadt. "
        "Jede*r kann eine Session vorschlagen!",
        P,
        OPEN,
        ("BarCamp", "Veranstaltung", "Digitalisierung"),
        affinity=("ITR",),
    ),
    CommunitySpec(
        "ki-in-der-verwaltung",
        "KI in der Verwaltung",
        "Chancen und Grenzen von künstlicher Intelligenz in der Verwaltung: Pilotprojekte, "
        "Rechtsfragen und Leitlinien.",
        P,
        REQUEST,
        ("Künstliche Intelligenz", "Pilotprojekte"),
        affinity=("ITR", "D"),
    ),
    CommunitySpec(
        "barrierefreiheit",
        "Barrierefreiheit",
        "Barrierefreie Dokumente, Webseiten und Gebäude: Wissen teilen, Fragen stellen.",
        P,
        OPEN,
        ("Barrierefreiheit", "Inklusion", "Leichte Sprache"),
    ),
    CommunitySpec(
        "radl-zur-arbeit",
        "Mit dem Radl zur Arbeit",
        "Routen, Abstellanlagen an den Dienstgebäuden und die Aktion Stadtradeln.",
        P,
        OPEN,
        ("Radverkehr", "Stadtradeln"),
        affinity=("MOR",),
    ),
    CommunitySpec(
        "wissensmanagement",
        "Wissensmanagement",
        "Wie halten wir Wissen in der Verwaltung, wenn Kolleg*innen in den Ruhestand gehen?",
        P,
        REQUEST,
        ("Wissensmanagement", "Demografie"),
        affinity=("POR",),
    ),
    CommunitySpec(
        "fuehrungskraefte-netzwerk",
        "Führungskräfte-Netzwerk",
        "Vertraulicher Austausch für Führungskräfte aller Referate.",
        R,
        REQUEST,
        ("Führung",),
        audience=("leitung",),
    ),
    CommunitySpec(
        "gis-und-geodaten",
        "GIS und Geodaten",
        "Geoinformationssysteme, GeoPortal München und Geodaten in Fachverfahren.",
        P,
        REQUEST,
        ("GIS", "Geodaten"),
        affinity=("KOM", "PLAN", "BAU"),
    ),
    CommunitySpec(
        "redaktion-mitarbeitendenmagazin",
        "Redaktion Mitarbeitendenmagazin",
        "Die Redaktion des Mitarbeitendenmagazins plant hier Themen und Ausgaben. "
        "Mitlesen dürfen alle, mitschreiben auf Einladung.",
        P,
        INVITE,
        ("Redaktion", "Interne Kommunikation"),
        affinity=("D",),
    ),
    CommunitySpec(
        "projektleitungen-it",
        "Projektleitungen IT",
        "Austausch der IT-Projektleitungen über Vorgehensmodelle, Vergaben und Risiken.",
        R,
        REQUEST,
        ("Projektmanagement", "IT"),
        affinity=("ITR",),
    ),
    CommunitySpec(
        "ausbildungsleitungen",
        "Ausbildungsleitungen",
        "Abstimmung der Ausbildungsleitungen der Referate.",
        R,
        INVITE,
        ("Ausbildung",),
        affinity=("POR",),
        audience=("ausbildung",),
    ),
    CommunitySpec(
        "rbs-schulleitungen",
        "RBS Schulleitungen",
        "Informationen und Austausch für Schulleitungen und Verwaltung im Referat für "
        "Bildung und Sport.",
        R,
        INVITE,
        ("Schule", "Schulleitung"),
        restricted_to="RBS",
        audience=("leitung", "pädagog", "schulverwaltung"),
    ),
    CommunitySpec(
        "chor-der-stadtverwaltung",
        "Chor der Stadtverwaltung",
        "Wir proben donnerstags um 17 Uhr im Rathaus. Neue Stimmen sind willkommen!",
        P,
        OPEN,
        ("Chor", "Musik"),
    ),
    CommunitySpec(
        "architekturboard-itm",
        "Architekturboard it@M",
        "Entscheidungsvorlagen und Protokolle des Architekturboards.",
        S,
        INVITE,
        ("Architektur",),
        restricted_to="ITR",
    ),
    CommunitySpec(
        "koordinierung-sicherheit-oktoberfest",
        "Koordinierung Sicherheit Oktoberfest",
        "Vertrauliche Abstimmung von Sicherheitskonzept und Einsatzplanung für die Wiesn.",
        S,
        INVITE,
        ("Oktoberfest", "Sicherheit"),
        affinity=("KVR", "GSR", "MOR"),
    ),
    CommunitySpec(
        "haushaltsaufstellung-2027",
        "Haushaltsaufstellung 2027",
        "Arbeitsraum der Stadtkämmerei für den Haushaltsentwurf 2027.",
        S,
        INVITE,
        ("Haushalt",),
        restricted_to="SKA",
    ),
    CommunitySpec(
        "zensus-2022",
        "Zensus 2022",
        "Koordination der Erhebungsstelle für den Zensus 2022. Abgeschlossen und archiviert.",
        P,
        OPEN,
        ("Zensus", "Statistik"),
        affinity=("D",),
        archived=True,
    ),
)

# Fixed roles and pending items for the demo accounts, so every demo login shows something.
PINNED_ROLES = (
    ("barcamp-digitale-stadt", "max.huber", Role.OWNER),
    ("nachwuchskraefte", "max.huber", Role.MODERATOR),
    ("betriebssport", "max.huber", Role.MEMBER),
    ("digitalisierung", "erika.mustermann", Role.MEMBER),
    ("open-government", "erika.mustermann", Role.MEMBER),
    ("e-mobilitaet", "erika.mustermann", Role.MEMBER),
    ("kvr-intern", "erika.mustermann", Role.MEMBER),
)
PINNED_INVITATIONS = (
    ("redaktion-mitarbeitendenmagazin", "erika.mustermann"),
    ("rbs-schulleitungen", "max.huber"),
)
PINNED_REQUESTS = (("ki-in-der-verwaltung", "erika.mustermann"),)

REQUEST_MESSAGES = (
    "Ich würde mich gern austauschen und mitlesen.",
    "Das Thema betrifft meine tägliche Arbeit sehr direkt.",
    "Meine Kollegin hat mir die Community empfohlen.",
    "",
)
INVITATION_MESSAGES = (
    "Das könnte dich interessieren!",
    "Wir würden uns freuen, wenn du dabei bist.",
    "",
)

# --- Building -----------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    counts: dict[str, int]
    logins: tuple[str, ...]
    password: str = DEMO_PASSWORD


@dataclass
class _Unit:
    department: Department
    referat: ReferatSpec
    level: int  # 1 Referat, 2 Abteilung, 3 Sachgebiet


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def ascii_fold(text: str) -> str:
    """Lower-case ASCII spelling of a name: Jürgen -> juergen, Zoé -> zoe."""
    text = text.lower().translate(_UMLAUTS)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def demo_data_present() -> bool:
    """Whether the organisation already has units (then seeding would only make a mess)."""
    return Department.objects.exists()


@transaction.atomic
def build_demo(*, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Fill an empty database with the demo organisation, all through the services.

    Runs in one transaction: either the whole organisation exists afterwards or nothing does.
    """
    return _DemoBuilder(seed).build()


class _DemoBuilder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.fakers: dict[str, Faker] = {}
        for offset, locale in enumerate(("de_DE", "de_AT", "de_CH")):
            fake = Faker(locale)
            fake.seed_instance(seed + offset)
            self.fakers[locale] = fake
        self.units: list[_Unit] = []
        self.by_code: dict[str, _Unit] = {}
        self.employees: list[Employee] = []  # creation order: the stable order for sampling
        self.by_username: dict[str, Employee] = {}
        self.referat_of: dict[int, str] = {}  # employee pk -> Referat code
        self.inactive: list[Employee] = []

    def build(self) -> DemoSummary:
        self._departments()
        self._employees()
        self._profiles()
        self._deputies()
        self._follows()
        self._communities()
        for employee in self.inactive:
            people_services.set_employee_active(employee=employee, active=False)
        self._set_passwords()
        return self._summary()

    # --- Organisation ------------------------------------------------------------------------

    def _departments(self) -> None:
        for position, spec in enumerate(REFERATE):
            referat = people_services.create_department(
                name=spec.name, short_code=spec.code, position=position
            )
            self._add_unit(referat, spec, 1)
            for a_index, (a_name, sachgebiete) in enumerate(spec.units):
                a_code = f"{spec.code}-{ROMAN[a_index]}"
                abteilung = people_services.create_department(
                    name=a_name, short_code=a_code, parent=referat, position=a_index
                )
                self._add_unit(abteilung, spec, 2)
                for s_index, s_name in enumerate(sachgebiete):
                    sachgebiet = people_services.create_department(
                        name=s_name,
                        short_code=f"{a_code}-{s_index + 1}",
                        parent=abteilung,
                        position=s_index,
                    )
                    self._add_unit(sachgebiet, spec, 3)

    def _add_unit(self, department: Department, spec: ReferatSpec, level: int) -> None:
        unit = _Unit(department, spec, level)
        self.units.append(unit)
        self.by_code[department.short_code] = unit

    # --- Employees ---------------------------------------------------------------------------

    def _employees(self) -> None:
        rng = self.rng
        plan: list[tuple[_Unit, str]] = []
        # Every Referat and Abteilung has a head; the rest of the staff is spread by weight.
        for unit in self.units:
            if unit.level == 1:
                plan.append((unit, "Referatsleitung"))
            elif unit.level == 2:
                hauptabteilung = unit.department.name.startswith("Hauptabteilung")
                head = "Hauptabteilungsleitung" if hauptabteilung else "Abteilungsleitung"
                plan.append((unit, head))
        # Nobody works alone in an empty org chart: each Sachgebiet gets one person first.
        sachgebiete = [unit for unit in self.units if unit.level == 3]
        staff_count = EMPLOYEE_COUNT - len(DEMO_ACCOUNTS) - len(plan) - len(sachgebiete)
        level_share = {1: 0.08, 2: 0.12, 3: 0.8}
        weights = [unit.referat.weight * level_share[unit.level] for unit in self.units]
        staff = sachgebiete + rng.choices(self.units, weights=weights, k=staff_count)
        sizes = Counter(unit.department.short_code for unit in staff)
        staffed: Counter[str] = Counter()
        for unit in staff:
            code = unit.department.short_code
            staffed[code] += 1
            if unit.level == 3 and staffed[code] == 1 and sizes[code] >= 3:
                title = "Sachgebietsleitung"
            elif unit.level == 1:
                title = rng.choice(REFERAT_STAFF_TITLES)
            elif unit.level == 2:
                title = rng.choice(ABTEILUNG_STAFF_TITLES)
            elif rng.random() < 0.75:
                title = rng.choice(unit.referat.job_titles)
            else:
                title = rng.choice(GENERAL_JOB_TITLES)
            plan.append((unit, title))

        taken = {account.username for account in DEMO_ACCOUNTS}
        numbers = rng.sample(range(10_000_000, 100_000_000), len(plan) + len(DEMO_ACCOUNTS))
        for account, number in zip(DEMO_ACCOUNTS, numbers, strict=False):
            unit = self.by_code[account.department]
            self._create_employee(
                unit,
                account.username,
                account.first_name,
                account.last_name,
                account.job_title,
                f"{number:08d}",
                is_admin=account.is_admin,
            )
        for (unit, title), number in zip(plan, numbers[len(DEMO_ACCOUNTS) :], strict=True):
            first, last = self._name()
            base = f"{ascii_fold(first)}.{ascii_fold(last)}"
            username, n = base, 1
            while username in taken:
                n += 1
                username = f"{base}{n}"
            taken.add(username)
            self._create_employee(unit, username, first, last, title, f"{number:08d}")
        heads = {"Referatsleitung", "Abteilungsleitung", "Hauptabteilungsleitung"}
        demo = {account.username for account in DEMO_ACCOUNTS}
        candidates = [
            e for e in self.employees if e.job_title not in heads and e.username not in demo
        ]
        self.inactive = rng.sample(candidates, INACTIVE_COUNT)

    def _name(self) -> tuple[str, str]:
        locale = self.rng.choices(("de_DE", "de_AT", "de_CH"), weights=(80, 12, 8))[0]
        fake = self.fakers[locale]
        female = self.rng.random() < 0.52
        while True:
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name()
            # Faker's German lists contain a few oddities ("Koch II", "Dussen van", "H.-Dieter").
            if _plain_name(first) and _plain_name(last):
                return first, last

    def _create_employee(
        self,
        unit: _Unit,
        username: str,
        first_name: str,
        last_name: str,
        job_title: str,
        personnel_number: str,
        *,
        is_admin: bool = False,
    ) -> None:
        rng = self.rng
        floor = rng.randint(0, 6)
        # Without a password here: see _set_passwords.
        employee = people_services.create_employee(
            username=username,
            first_name=first_name,
            last_name=last_name,
            job_title=job_title,
            personnel_number=personnel_number,
            email=f"{username}@{EMAIL_DOMAIN}",
            department=unit.department,
            location=rng.choice(unit.referat.buildings),
            room=f"{'E' if floor == 0 else floor}.{rng.randint(1, 80):03d}",
            # 089 99998 000-999 is reserved by the Bundesnetzagentur for fictional numbers.
            phone=f"+49 89 99998-{rng.randint(0, 999):03d}",
            is_staff=is_admin,
            is_superuser=is_admin,
        )
        self.employees.append(employee)
        self.by_username[employee.username] = employee
        self.referat_of[employee.pk] = unit.referat.code

    def _profiles(self) -> None:
        rng = self.rng
        for employee in self.employees:
            referat = self.by_code[self.referat_of[employee.pk]].referat
            own = rng.sample(referat.skills, k=min(len(referat.skills), rng.randint(0, 3)))
            general = rng.sample(GENERAL_SKILLS, k=rng.randint(0, 4))
            skills = own + general
            languages = ["de"] + [code for code, p in LANGUAGES if rng.random() < p]
            changes: dict[str, object] = {"skills": skills, "languages": languages}
            if rng.random() < 0.4:
                template = rng.choice(ABOUT_TEMPLATES)
                changes["about"] = template.format(
                    year=rng.randint(1995, 2024),
                    unit=employee.department.name if employee.department else referat.name,
                    skill=skills[0] if skills else "Bürgeranliegen",
                    hobby=rng.choice(HOBBIES),
                )
            if rng.random() < 0.12:
                changes["phone_visibility"] = "department"
            if rng.random() < 0.05:
                changes["location_visibility"] = "department"
            if rng.random() < 0.03:
                changes["email_visibility"] = "nobody"
            people_services.update_profile(employee=employee, **changes)

    def _deputies(self) -> None:
        rng = self.rng
        active = self._active()
        colleagues: dict[int | None, list[Employee]] = {}
        for employee in active:
            colleagues.setdefault(employee.department_id, []).append(employee)
        for employee in active:
            if rng.random() >= 0.35:
                continue
            pool = [e for e in colleagues[employee.department_id] if e.pk != employee.pk]
            if not pool:
                continue
            chosen = rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2))))
            people_services.update_profile(
                employee=employee, deputy_ids=[deputy.pk for deputy in chosen]
            )

    def _follows(self) -> None:
        rng = self.rng
        by_referat: dict[str, list[Employee]] = {}
        for employee in self.employees:
            by_referat.setdefault(self.referat_of[employee.pk], []).append(employee)
        for employee in self._active():
            count = min(12, int(rng.expovariate(1 / 4)))
            same = by_referat[self.referat_of[employee.pk]]
            targets: dict[int, Employee] = {}
            for _ in range(count):
                pool = same if rng.random() < 0.65 else self.employees
                target = rng.choice(pool)
                if target.pk != employee.pk:
                    targets.setdefault(target.pk, target)
            for target in targets.values():
                people_services.follow(follower=employee, followed=target)

    def _active(self) -> list[Employee]:
        inactive = {e.pk for e in self.inactive}
        return [e for e in self.employees if e.pk not in inactive]

    # --- Communities -------------------------------------------------------------------------

    def _communities(self) -> None:
        admin = self.by_username["admin"]
        for rank, spec in enumerate(COMMUNITIES, start=1):
            self._community(spec, rank, admin)

    def _community(self, spec: CommunitySpec, rank: int, admin: Employee) -> None:
        rng = self.rng
        pinned = [
            (self.by_username[username], role)
            for slug, username, role in PINNED_ROLES
            if slug == spec.slug
        ]
        reserved = {e.pk for e, _role in pinned} | {admin.pk}
        reserved |= {self.by_username[u].pk for s, u in PINNED_INVITATIONS if s == spec.slug}
        reserved |= {self.by_username[u].pk for s, u in PINNED_REQUESTS if s == spec.slug}
        pool = [e for e in self._in_scope(spec) if e.pk not in reserved]
        size = max(COMMUNITY_MIN_SIZE, round(COMMUNITY_TOP_SIZE / rank))
        pending_requests = rng.randint(1, 4) if spec.join_policy == REQUEST else 0
        pending_invitations = rng.randint(1, 3) if spec.join_policy == INVITE else rng.randint(0, 1)
        if spec.archived:
            pending_requests = pending_invitations = 0
        ranked = self._weighted_order(pool, spec)
        pinned_owner = next((e for e, role in pinned if role == Role.OWNER), None)
        owner = pinned_owner or ranked.pop(0)
        others = [e for e, role in pinned if e is not owner]
        members = others + ranked[: max(0, size - 1 - len(others))]
        rest = ranked[max(0, size - 1 - len(others)) :]

        community = self._create_community(spec, owner, admin)
        for employee in members:
            self._add_member(community, owner, employee)
        # Roles: a second owner for the larger ones, about one moderator per 25 members.
        plain = [e for e in members if e not in others]
        extra_owners = 1 if size >= 40 or (len(plain) > 2 and rng.random() < 0.2) else 0
        moderators = min(len(plain) - extra_owners, size // 25 + (1 if size >= 8 else 0))
        promoted = rng.sample(plain, k=max(0, extra_owners + moderators))
        roles = [(e, Role.OWNER) for e in promoted[:extra_owners]]
        roles += [(e, Role.MODERATOR) for e in promoted[extra_owners:]]
        roles += [(e, role) for e, role in pinned if e is not owner and role != Role.MEMBER]
        for employee, role in roles:
            community_services.change_role(
                actor=owner, community=community, employee=employee, role=role
            )
        managers = [owner] + [e for e, _role in roles]

        requesters = [self.by_username[u] for s, u in PINNED_REQUESTS if s == spec.slug]
        requesters += rest[:pending_requests]
        for employee in requesters:
            community_services.request_to_join(
                employee=employee, community=community, message=rng.choice(REQUEST_MESSAGES)
            )
        invitees = [self.by_username[u] for s, u in PINNED_INVITATIONS if s == spec.slug]
        invitees += rest[pending_requests : pending_requests + pending_invitations]
        for employee in invitees:
            community_services.invite_to_community(
                actor=rng.choice(managers),
                community=community,
                invitee=employee,
                message=rng.choice(INVITATION_MESSAGES),
            )
        if spec.archived:
            community_services.archive_community(actor=owner, community=community)

    def _in_scope(self, spec: CommunitySpec) -> list[Employee]:
        active = self._active()
        if spec.restricted_to is None:
            return active
        return [e for e in active if self.referat_of[e.pk] == spec.restricted_to]

    def _weighted_order(self, pool: Sequence[Employee], spec: CommunitySpec) -> list[Employee]:
        """The pool in a random order where the community's affine Referate and audience tend
        to come first (weighted sampling without replacement, Efraimidis-Spirakis)."""
        keyed = []
        for index, employee in enumerate(pool):
            weight = 4.0 if self.referat_of[employee.pk] in spec.affinity else 1.0
            title = employee.job_title.lower()
            if any(fragment in title for fragment in spec.audience):
                weight *= 6.0
            keyed.append((self.rng.random() ** (1.0 / weight), index, employee))
        keyed.sort(key=lambda item: (-item[0], item[1]))
        return [employee for _key, _index, employee in keyed]

    def _create_community(self, spec: CommunitySpec, owner: Employee, admin: Employee) -> Community:
        creator = owner if community_perms.can_create_community(owner) else admin
        community = community_services.create_community(
            creator=creator,
            name=spec.name,
            slug=spec.slug,
            description=spec.description,
            visibility=spec.visibility,
            join_policy=spec.join_policy,
            department=self.by_code[spec.restricted_to].department if spec.restricted_to else None,
            tags=spec.tags,
        )
        if creator is owner:
            return community
        # With WILMA_COMMUNITY_CREATION=admins the admin creates it and hands it over.
        self._add_member(community, admin, owner)
        community_services.transfer_ownership(actor=admin, community=community, new_owner=owner)
        community_services.leave_community(employee=admin, community=community)
        return community

    def _add_member(self, community: Community, manager: Employee, employee: Employee) -> None:
        """Let the employee in the way the community's join policy allows."""
        if community.join_policy == JoinPolicy.OPEN:
            community_services.join_community(employee=employee, community=community)
        elif community.join_policy == JoinPolicy.REQUEST:
            join_request = community_services.request_to_join(
                employee=employee, community=community, message=self.rng.choice(REQUEST_MESSAGES)
            )
            community_services.approve_join_request(actor=manager, join_request=join_request)
        else:
            invitation = community_services.invite_to_community(
                actor=manager, community=community, invitee=employee
            )
            community_services.accept_invitation(employee=employee, invitation=invitation)

    # --- Finishing ---------------------------------------------------------------------------

    def _set_passwords(self) -> None:
        # Hashing is deliberately slow (PBKDF2, about 0.3 s each): hashing the same password for
        # 300 accounts would take a minute and a half. The accounts were created without a
        # password; one hash, one UPDATE gives them all the documented demo password.
        Employee.objects.filter(pk__in=[e.pk for e in self.employees]).update(
            password=make_password(DEMO_PASSWORD)
        )

    def _summary(self) -> DemoSummary:
        departments = Counter(Department.objects.values_list("depth", flat=True))
        communities = Community.objects.all()
        roles = Counter(Membership.objects.values_list("role", flat=True))
        counts = {
            "referate": departments[1],
            "abteilungen": departments[2],
            "sachgebiete": departments[3],
            "employees": Employee.objects.count(),
            "inactive employees": Employee.objects.filter(is_active=False).count(),
            "follows": Follow.objects.count(),
            "deputies": Employee.deputies.through.objects.count(),
            "communities": communities.count(),
            "archived communities": communities.filter(is_archived=True).count(),
            "restricted communities": communities.filter(department__isnull=False).count(),
        }
        for visibility in Visibility:
            counts[f"{visibility.value} communities"] = communities.filter(
                visibility=visibility
            ).count()
        counts["memberships"] = sum(roles.values())
        for role in Role:
            counts[f"{role.value}s"] = roles[role.value]
        counts["pending join requests"] = JoinRequest.objects.filter(
            status=RequestStatus.PENDING
        ).count()
        counts["pending invitations"] = Invitation.objects.filter(
            status=InvitationStatus.PENDING
        ).count()
        return DemoSummary(
            counts=counts,
            logins=tuple(account.username for account in DEMO_ACCOUNTS),
        )


def _plain_name(name: str) -> bool:
    return name[:1].isupper() and all(ch.isalpha() or ch == "-" for ch in name)
