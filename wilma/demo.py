"""The demo organisation: a Munich-like city administration built through the services.

`build_demo(seed=...)` fills an empty database with the city's Referate and their units, about
300 employees with German names, profiles, deputies and follows, and about 25 communities with
every visibility, join policy and role, pending join requests and invitations. A lived-in feed
comes on top: about 200 German posts over the last three months (Markdown, #hashtags,
@mentions of members), comments and replies, reactions, saved, pinned, locked and edited posts,
polls with votes (one closed) and announcements (one to be acknowledged, one expired). The same
seed (with the pinned Faker version) always gives the same usernames, units, memberships and
feed content; only the timestamps follow the day the demo is built.

Every generated account, including the site admin, gets the documented password
`DEMO_PASSWORD`: this data is for local demos only.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from announcements import services as announcement_services
from announcements.models import Announcement, AnnouncementAck, DepartmentEditor
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
from feed import services as feed_services
from feed.models import Comment, Mention, Post, PostRevision, Reaction, SavedPost, TaggedPost
from people import services as people_services
from people.models import Department, Employee, Follow
from polls import services as polls_services
from polls.models import Poll, PollVote
from realtime.events import recording_paused

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

# --- The feed -----------------------------------------------------------------------------------
#
# Posts are hand-written phrases combined by the seeded RNG: a template (question, event,
# project update, reading tip ...) filled from the community's topic. A few hand-placed posts
# (STORY_POSTS) carry the polls, the pinned, locked and edited posts the demo should show.

FEED_DAYS = 90  # how far back the feed's history reaches
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # "not scheduled yet"
LINK_BASE = "https://stadt.muenchen.example"


@dataclass(frozen=True)
class FeedTopic:
    posts: int  # generated posts, besides the story posts
    hashtags: tuple[str, ...]
    subjects: tuple[str, ...]  # dative: "Hat jemand Erfahrung mit {subject}?"
    events: tuple[str, ...]
    projects: tuple[str, ...]
    links: tuple[tuple[str, str], ...]  # (title, path below LINK_BASE)
    leisure: bool = False  # no project updates, procedures or templates in the sports club


FEED_TOPICS: dict[str, FeedTopic] = {
    "digitalisierung": FeedTopic(
        20,
        ("Digitalisierung", "OZG", "E-Akte", "Verwaltungsmodernisierung"),
        (
            "der E-Akte",
            "dem Online-Antragsassistenten",
            "der elektronischen Signatur",
            "dem digitalen Posteingang",
            "Low-Code-Plattformen",
            "der Umstellung auf das neue Formularportal",
            "digitalen Bürgerterminen",
        ),
        (
            "Lunch & Learn „E-Akte kompakt“",
            "das Digitalisierungsfrühstück",
            "die Sprechstunde Digitale Services",
            "die Infoveranstaltung zum OZG 2.0",
        ),
        ("E-Akte-Rollout", "Digitaler Posteingang", "Antragsassistent Wohngeld"),
        (
            ("Leitfaden E-Akte", "digitalisierung/leitfaden-e-akte"),
            ("OZG-Dashboard", "digitalisierung/ozg-dashboard"),
            ("Digitalisierungsstrategie 2030", "digitalisierung/strategie-2030"),
        ),
    ),
    "nachwuchskraefte": FeedTopic(
        13,
        ("Ausbildung", "Nachwuchskräfte", "Prüfungsvorbereitung"),
        (
            "der Prüfungsvorbereitung",
            "dem Praxisbericht",
            "der Einsatzplanung im dritten Ausbildungsjahr",
            "Lerngruppen",
            "dem Wechsel zwischen den Referaten",
        ),
        ("der Nachwuchskräfte-Stammtisch", "die Lerngruppe Verwaltungsrecht", "der Azubi-Tag"),
        ("Mentoringprogramm", "Azubi-Wiki"),
        (
            ("Ausbildungsportal", "ausbildung"),
            ("Prüfungstermine", "ausbildung/pruefungstermine"),
        ),
    ),
    "betriebssport": FeedTopic(
        7,
        ("Firmenlauf", "Betriebssport", "Gesundheit"),
        ("dem Lauftreff", "der Anmeldung zum Firmenlauf", "dem Volleyballturnier"),
        ("das Training für den Firmenlauf", "das Volleyballturnier der Referate"),
        ("Betriebssportgruppe Fußball",),
        (("Betriebssport", "gesundheit/betriebssport"),),
        leisure=True,
    ),
    "mobiles-arbeiten": FeedTopic(
        8,
        ("MobilesArbeiten", "NewWork", "Homeoffice"),
        (
            "der Dienstvereinbarung",
            "dem Desksharing",
            "der Ausstattung für zu Hause",
            "hybriden Besprechungen",
            "der Zeiterfassung im Homeoffice",
        ),
        ("die Fragestunde zur Dienstvereinbarung", "der Workshop „Gut hybrid arbeiten“"),
        ("Desksharing-Pilot",),
        (
            ("FAQ mobiles Arbeiten", "personal/mobiles-arbeiten/faq"),
            ("Dienstvereinbarung", "personal/mobiles-arbeiten/dienstvereinbarung"),
        ),
    ),
    "open-government": FeedTopic(
        10,
        ("OpenData", "OpenGovernment", "Transparenz", "Bürgerbeteiligung"),
        (
            "dem Open-Data-Portal",
            "offenen Schnittstellen",
            "der Veröffentlichung von Haushaltsdaten",
            "Bürgerbeteiligung online",
            "Lizenzfragen bei offenen Daten",
        ),
        ("der Open-Data-Stammtisch", "die Beteiligungswerkstatt", "der Open Data Day"),
        ("Open-Data-Portal", "Beteiligungsplattform"),
        (
            ("Open-Data-Portal", "opendata"),
            ("Leitfaden offene Daten", "opendata/leitfaden"),
        ),
    ),
    "kvr-intern": FeedTopic(
        7,
        ("KVR", "Bürgerbüro"),
        (
            "der neuen Terminvergabe",
            "dem Wartebereich im Bürgerbüro",
            "der Kfz-Zulassung online",
            "den Öffnungszeiten zwischen den Jahren",
        ),
        ("die KVR-Personalversammlung", "das Sommerfest des KVR"),
        ("Terminvergabe 2.0",),
        (("KVR-Intranet", "kvr/intern"),),
    ),
    "smart-city": FeedTopic(
        10,
        ("SmartCity", "UrbaneDatenplattform", "DigitalerZwilling"),
        (
            "der urbanen Datenplattform",
            "dem digitalen Zwilling",
            "LoRaWAN-Sensoren",
            "intelligenten Ampeln",
            "der Parkraumsensorik",
        ),
        ("die Smart-City-Sprechstunde", "der Hackathon „Daten für München“"),
        ("Digitaler Zwilling München", "Sensornetz Innenstadt"),
        (
            ("Smart-City-Programm", "smart-city"),
            ("Urbane Datenplattform", "smart-city/datenplattform"),
        ),
    ),
    "e-mobilitaet": FeedTopic(
        9,
        ("E-Mobilität", "Ladeinfrastruktur", "Dienstfahrzeuge"),
        (
            "den Ladesäulen an den Dienstgebäuden",
            "elektrischen Dienstfahrzeugen",
            "dem Poolfahrzeug-Buchungssystem",
            "E-Lastenrädern",
        ),
        ("die Probefahrt mit den neuen E-Dienstwagen", "der Infotag Ladeinfrastruktur"),
        ("Ladeinfrastruktur Dienstgebäude", "E-Flotte 2030"),
        (
            ("E-Mobilität in der Stadtverwaltung", "mobilitaet/e-mobilitaet"),
            ("Poolfahrzeuge buchen", "mobilitaet/poolfahrzeuge"),
        ),
    ),
    "klimaneutrales-muenchen": FeedTopic(
        6,
        ("Klimaschutz", "Klimaneutralität2035", "Nachhaltigkeit"),
        ("dem Energiesparen im Büro", "der Klimaprüfung von Beschlussvorlagen", "Dachbegrünung"),
        ("die Klimawerkstatt",),
        ("Klimaneutrale Verwaltung",),
        (("Klimaschutzprogramm", "klima/programm"),),
    ),
    "agiles-arbeiten": FeedTopic(
        5,
        ("Agil", "Scrum", "Kanban"),
        ("Retrospektiven", "Kanban-Boards", "dem Schätzen von Aufgaben"),
        ("der Agile-Coffee", "die Retro-Werkstatt"),
        ("Agile Verwaltung",),
        (("Methodenkoffer", "agil/methodenkoffer"),),
    ),
    "barcamp-digitale-stadt": FeedTopic(
        9,
        ("BarCamp2026", "BarCamp", "Digitalisierung"),
        ("Sessionvorschlägen", "der Sessionplanung", "dem Catering", "der Raumplanung"),
        ("das Orga-Treffen", "das Vortreffen für Session-Gebende"),
        ("BarCamp Digitale Stadt 2026",),
        (
            ("BarCamp Digitale Stadt", "barcamp"),
            ("Sessionvorschläge", "barcamp/sessions"),
        ),
    ),
    "ki-in-der-verwaltung": FeedTopic(
        5,
        ("KI", "KünstlicheIntelligenz", "Datenschutz"),
        ("Sprachmodellen", "der KI-Leitlinie", "automatischer Texterkennung"),
        ("die KI-Sprechstunde",),
        ("KI-Assistent für Bürgeranfragen",),
        (("KI-Leitlinie", "ki/leitlinie"),),
    ),
    "barrierefreiheit": FeedTopic(
        5,
        ("Barrierefreiheit", "LeichteSprache", "Inklusion"),
        ("barrierefreien PDFs", "Leichter Sprache", "Alternativtexten"),
        ("die Schulung „Barrierefreie Dokumente“",),
        ("Barrierefreies Intranet",),
        (("Checkliste barrierefreie Dokumente", "barrierefreiheit/checkliste"),),
    ),
    "radl-zur-arbeit": FeedTopic(
        4,
        ("Radverkehr", "Stadtradeln"),
        ("den Radabstellanlagen", "dem Stadtradeln"),
        ("die Radl-Check-Aktion",),
        ("Radabstellanlagen Dienstgebäude",),
        (("Stadtradeln", "mobilitaet/stadtradeln"),),
    ),
    "wissensmanagement": FeedTopic(
        3,
        ("Wissensmanagement", "Wissenstransfer"),
        ("Übergabedokumentationen", "dem Wiki"),
        ("der Workshop Wissenslandkarte",),
        ("Wissenstransfer Ruhestand",),
        (("Wissensmanagement-Leitfaden", "wissen/leitfaden"),),
    ),
    "fuehrungskraefte-netzwerk": FeedTopic(
        3,
        ("Führung", "FührenAufDistanz"),
        ("Mitarbeitendengesprächen", "dem Führen auf Distanz"),
        ("das Führungskräfte-Forum",),
        ("Führungsleitbild",),
        (("Führungsleitbild", "personal/fuehrung"),),
    ),
    "gis-und-geodaten": FeedTopic(
        4,
        ("GIS", "Geodaten", "OpenData"),
        ("dem GeoPortal", "QGIS"),
        ("der QGIS-Anwendertreff",),
        ("GeoPortal 3.0",),
        (("GeoPortal München", "geoportal"),),
    ),
    "redaktion-mitarbeitendenmagazin": FeedTopic(
        3,
        ("Redaktion", "InterneKommunikation"),
        ("der Themenplanung", "Fotofreigaben"),
        ("die Redaktionskonferenz",),
        ("Ausgabe Herbst",),
        (("Redaktionsplan", "redaktion/plan"),),
    ),
    "projektleitungen-it": FeedTopic(
        3,
        ("Projektmanagement", "IT"),
        ("Vergaben nach UVgO", "dem Risikomanagement"),
        ("der PL-Austausch",),
        ("Projektportfolio 2027",),
        (("Projekthandbuch", "it/projekthandbuch"),),
    ),
    "ausbildungsleitungen": FeedTopic(
        2,
        ("Ausbildung",),
        ("der Einsatzplanung",),
        ("die Abstimmungsrunde",),
        ("Ausbildungsplan 2027",),
        (("Ausbildungsplan", "ausbildung/plan"),),
    ),
    "rbs-schulleitungen": FeedTopic(
        3,
        ("Schule", "RBS"),
        ("der Schulanmeldung", "dem Digitalpakt Schule"),
        ("die Schulleitungskonferenz",),
        ("Digitalpakt Schule",),
        (("Schulportal", "rbs/schulportal"),),
    ),
    "chor-der-stadtverwaltung": FeedTopic(
        3,
        ("Chor", "Musik"),
        ("den Noten für das Sommerkonzert",),
        ("die Probe für das Sommerkonzert",),
        ("Sommerkonzert im Rathaus",),
        (("Chor der Stadtverwaltung", "freizeit/chor"),),
        leisure=True,
    ),
    "architekturboard-itm": FeedTopic(
        2,
        ("Architektur", "ADR"),
        ("der Standardisierung von Schnittstellen", "Container-Plattformen"),
        ("die Sitzung des Architekturboards",),
        ("Plattformstrategie",),
        (("Architekturentscheidungen", "it/adr"),),
    ),
    "koordinierung-sicherheit-oktoberfest": FeedTopic(
        2,
        ("Oktoberfest", "Sicherheit"),
        ("dem Zugangskonzept", "der Einsatzplanung"),
        ("die Lagebesprechung",),
        ("Sicherheitskonzept Wiesn",),
        (("Einsatzplanung Wiesn", "kvr/wiesn"),),
    ),
    "haushaltsaufstellung-2027": FeedTopic(
        2,
        ("Haushalt2027", "Haushalt"),
        ("den Eckdaten", "der Mittelfristplanung"),
        ("die Abstimmung der Eckdaten",),
        ("Haushaltsentwurf 2027",),
        (("Haushaltsplanung", "kaemmerei/haushalt"),),
    ),
    "zensus-2022": FeedTopic(
        2,
        ("Zensus2022", "Statistik"),
        ("der Erhebungsstelle", "den Rückläufen"),
        ("die Abschlussbesprechung",),
        ("Zensus 2022",),
        (("Zensus 2022", "statistik/zensus-2022"),),
    ),
}
# Hashtags that come up across communities.
GENERAL_HASHTAGS = ("Barrierefreiheit", "Verwaltungsmodernisierung", "Digitalisierung")

# Each template is (kind, text); the kind picks fitting comments and reactions.
WORK_ONLY_KINDS = frozenset({"update", "notice", "tip"})
POST_TEMPLATES: tuple[tuple[str, str], ...] = (
    (
        "question",
        "Hat jemand Erfahrung mit {subject}? Wir überlegen im Team, ob sich das für uns lohnt, "
        "und ich würde vorher gern von euren Erfahrungen hören. {tags}",
    ),
    (
        "question",
        "Kurze Frage in die Runde: Wie geht ihr bei {subject} vor? Bei uns ({unit}) gehen die "
        "Meinungen gerade auseinander. {tags}",
    ),
    (
        "question",
        "Weiß jemand, wer bei uns Ansprechperson zu {subject} ist? Im Intranet finde ich nur "
        "einen Stand von 2023. {mention}, hast du da einen Überblick? {tags}",
    ),
    (
        "question",
        "Suche Mitstreiter*innen: Wer hat Lust, sich mit {subject} näher zu beschäftigen? "
        "Ich würde eine kleine Arbeitsgruppe starten, erstes Treffen am {when}. {tags}",
    ),
    (
        "event",
        "**Save the date:** {event_cap} am {when} um {time} Uhr, {place}. Agenda und "
        "Anmeldung: [{link_title}]({link}) {tags}",
    ),
    (
        "event",
        "Erinnerung: {event_cap} steht an!\n\n- Wann: {when}, {time} Uhr\n- Wo: {place}\n"
        "- Anmeldung: <{link}>\n\nWir freuen uns auf euch! {tags}",
    ),
    (
        "event",
        "Danke an alle, die bei {event} dabei waren! Die Folien und das Fotoprotokoll liegen "
        "unter `{code}`. Ein besonderer Dank an {mention} für die Moderation. {tags}",
    ),
    (
        "update",
        "**Projektupdate {project}:** Wir haben den nächsten Meilenstein erreicht.\n\n"
        "{steps}\n\nDetails im [Projektwiki]({link}). Fragen gern an {mention} oder mich. {tags}",
    ),
    (
        "update",
        "Kurzer Zwischenstand zu *{project}*: {progress} Wer tiefer einsteigen möchte: "
        "<{link}> {tags}",
    ),
    (
        "link",
        "Lesetipp: [{link_title}]({link}). Gerade für alle, die mit {subject} zu tun haben, "
        "sehr lesenswert. {tags}",
    ),
    (
        "link",
        "Neu im Intranet: **{link_title}**. Dort findet ihr alles Wichtige zu {subject} "
        "gebündelt: <{link}> {tags}",
    ),
    (
        "tip",
        "Kleiner Tipp für alle, die mit {subject} arbeiten: Die aktuellen Vorlagen liegen jetzt "
        "zentral unter `{code}`. Spart viel Sucherei! {tags}",
    ),
    (
        "thanks",
        "Ein großes Dankeschön an {mention} und {mention2} für die Unterstützung bei "
        "{subject}! Ohne euch hätten wir das nicht so schnell hinbekommen. {tags}",
    ),
    (
        "notice",
        "**Wichtig:** Ab dem Ersten des kommenden Monats gilt bei {subject} ein neues "
        "Verfahren:\n\n- Anträge nur noch digital über das Formularportal\n"
        "- Rückfragen bitte an das Funktionspostfach\n- Die alten Vordrucke gelten nicht mehr"
        "\n\nAlle Infos: [{link_title}]({link}) {tags}",
    ),
)
WHEN = (
    "nächsten Dienstag",
    "kommenden Donnerstag",
    "Mittwoch nächster Woche",
    "Freitag in zwei Wochen",
    "nächsten Montag",
)
TIMES = ("9:00", "10:30", "12:00", "14:00", "15:30")
PLACES = (
    "im Kleinen Sitzungssaal im Rathaus",
    "online per Videokonferenz",
    "in der Agnes-Bernauer-Straße 97, Raum 2.014",
    "im Besprechungsraum E.12 in der Ruppertstraße 19",
    "im Seminarraum 3 in der Blumenstraße 28b",
)
PROJECT_STEPS = (
    "Die Anforderungen sind mit den Fachbereichen abgestimmt.",
    "Der Pilotbetrieb in zwei Sachgebieten läuft seit letzter Woche.",
    "Die Datenschutz-Folgenabschätzung ist abgeschlossen.",
    "Der Personalrat hat zugestimmt.",
    "Die Schulungen für die Key-User sind terminiert.",
    "Die Ausschreibung ist veröffentlicht.",
)
PROGRESS = (
    "Der Pilot ist gut angelaufen, die ersten Rückmeldungen sind überwiegend positiv.",
    "Wir liegen im Zeitplan, die Testphase startet wie geplant.",
    "Leider gibt es Verzögerungen bei der Lieferung, wir rechnen mit zwei Wochen Verzug.",
    "Die Hälfte der Sachgebiete ist umgestellt, der Rest folgt bis Quartalsende.",
)

COMMENTS: dict[str, tuple[str, ...]] = {
    "any": (
        "Danke für die Info!",
        "Super, danke fürs Teilen 👍",
        "Sehr hilfreich, habe es gleich an mein Team weitergeleitet.",
        "Können wir das beim nächsten Jour fixe aufgreifen?",
        "Top, vielen Dank für die Mühe!",
        "Die Seite ist bei mir nicht erreichbar. Geht das nur im Verwaltungsnetz?",
        "Schau mal, {other}, das wäre doch was für unser Team.",
    ),
    "question": (
        "Wir nutzen das seit einem halben Jahr im Sachgebiet und sind zufrieden. Der Anfang "
        "war etwas holprig, aber es lohnt sich.",
        "Frag mal bei {other} nach, da gibt es Erfahrung damit.",
        "Das würde mich auch interessieren! Bitte hier teilen, wenn du eine Antwort hast.",
        "Bei uns klappt das gut, wenn man es vorher mit dem Personalrat abstimmt.",
        "Im Wiki gibt es eine Checkliste dazu: <https://stadt.muenchen.example/wiki/checklisten>",
        "Wir hatten ähnliche Fragen, lass uns gern mal kurz telefonieren.",
    ),
    "event": (
        "Bin dabei! 🙋",
        "Gibt es auch eine Online-Teilnahme?",
        "Wird die Veranstaltung aufgezeichnet?",
        "Angemeldet, ich freue mich!",
        "Leider im Urlaub. Gibt es die Folien hinterher?",
        "Ist der Raum barrierefrei erreichbar?",
    ),
    "update": (
        "Toller Fortschritt, Glückwunsch ans Team!",
        "Wann kommen die anderen Referate dran?",
        "Gibt es schon Rückmeldungen aus dem Pilotbetrieb?",
        "Danke für die transparente Kommunikation.",
    ),
    "thanks": (
        "Dem schließe ich mich an!",
        "Absolut verdient 👏",
        "Danke auch von unserer Seite!",
    ),
}
COMMENTS["link"] = COMMENTS["tip"] = COMMENTS["notice"] = (
    *COMMENTS["update"][1:],
    "Gut zu wissen, danke!",
    "Gibt es das auch als PDF zum Ausdrucken?",
)
COMMENTS["story"] = COMMENTS["any"]
# Replies by the post's author to a comment.
AUTHOR_REPLIES = (
    "Danke für den Hinweis, @{parent}!",
    "@{parent} gute Frage, ich kläre das und melde mich.",
    "@{parent} ja, genau so ist es gedacht.",
)
REPLIES = (
    "Danke, @{parent}, das hilft mir weiter!",
    "Sehe ich genauso wie @{parent}.",
    "Gute Idee! Ich nehme das mit ins nächste Teamgespräch.",
    "Das kann ich bestätigen.",
    "@{parent} meld dich gern direkt bei mir, dann schauen wir es uns gemeinsam an.",
)
# Reactions that fit a kind of post get a higher weight, if they are configured at all.
FITTING_REACTIONS = {
    "event": ("🎉", "👍"),
    "thanks": ("❤️", "🙏", "🎉"),
    "question": ("👍", "🙏"),
    "profile": ("❤️", "😄", "👍"),
}

# (kind, text); the kind picks the comments that fit.
PROFILE_POSTS: tuple[tuple[str, str], ...] = (
    (
        "profile-welcome",
        "Hallo zusammen! Seit dieser Woche verstärke ich das Team {unit}. Ich freue mich auf "
        "die Zusammenarbeit und viele neue Kontakte. 👋",
    ),
    (
        "profile-vacation",
        "Ich bin ab Montag zwei Wochen im Urlaub. In dringenden Fällen wendet euch bitte an "
        "{deputy}. Danke!",
    ),
    (
        "profile-course",
        "Heute die Fortbildung **{course}** abgeschlossen. Kann ich allen nur empfehlen! "
        "#Fortbildung",
    ),
    (
        "profile-lunch",
        "Mein Tipp für die Mittagspause: eine Runde durch den Alten Botanischen Garten. Wo "
        "tankt ihr zwischendurch auf?",
    ),
    (
        "profile-farewell",
        "Nach vielen Jahren im {referat} wechsle ich zum Ersten des nächsten Monats in ein "
        "anderes Referat. Danke für die tolle Zeit, ihr wart ein großartiges Team! 🎉",
    ),
    (
        "profile-run",
        "Wer läuft mit beim Firmenlauf? Wir suchen noch Läufer*innen für das Team {referat}. "
        "#Firmenlauf",
    ),
)
COMMENTS.update(
    {
        "profile-welcome": (
            "Herzlich willkommen! 👋",
            "Willkommen im Team, schön, dass du da bist!",
            "Willkommen! Meld dich gern, wenn du Fragen hast.",
        ),
        "profile-vacation": ("Schönen Urlaub und gute Erholung! ☀️", "Genieß die freie Zeit!"),
        "profile-course": (
            "Glückwunsch! 🎓",
            "Die Fortbildung steht auch auf meiner Liste, danke für den Tipp.",
        ),
        "profile-lunch": (
            "Der Hofgarten! Besonders im Frühling.",
            "Eine Runde an der Isar, wenn es die Zeit erlaubt.",
            "Der Viktualienmarkt, aber nur für eine Brotzeit.",
        ),
        "profile-farewell": (
            "Schade, dass du gehst! Alles Gute für die neue Aufgabe.",
            "Danke für die tolle Zusammenarbeit! 🙏",
            "Viel Erfolg und bleib in Kontakt!",
        ),
        "profile-run": (
            "Bin dabei! 🏃",
            "Ich laufe mit, wenn der Termin passt.",
            "Wie lang ist die Strecke dieses Jahr?",
        ),
        "debate": (
            "Bei uns im Team ist das genauso, das sorgt für Frust.",
            "Das liegt an den Aufgaben: Mit Publikumsverkehr geht eben nicht alles mobil.",
            "Ich finde, das sollte transparenter begründet werden.",
            "Vielleicht hilft ein Gespräch mit dem Personalrat?",
            "Wir haben es im Team rotierend gelöst, das funktioniert gut.",
            "Die Dienstvereinbarung gibt den Rahmen vor, die Details regelt jede Führungskraft.",
        ),
    }
)
# How much happens: the services cost a few milliseconds per call (each records its realtime
# event), so these numbers decide how long seeding takes.
# Reactions per post: exponentially distributed, mean BASE + PER_SQRT_MEMBER * sqrt(members).
REACTIONS_BASE = 0.8
REACTIONS_PER_SQRT_MEMBER = 0.4
COMMENT_REACTION_SHARE = 0.12  # of comments that get one to three reactions
# How many comments a post gets (0 to 8): questions draw more.
COMMENT_COUNT_WEIGHTS = {
    False: (22, 20, 16, 12, 9, 7, 5, 3, 2),
    True: (2, 6, 10, 12, 12, 10, 8, 6, 5),
}
PROFILE_POST_COUNT = 20
COURSES = (
    "Agiles Projektmanagement",
    "Barrierefreie Dokumente",
    "Führen auf Distanz",
    "Datenschutz kompakt",
    "Leichte Sprache",
    "Excel für Fortgeschrittene",
)


@dataclass(frozen=True)
class PollSpec:
    question: str
    options: tuple[str, ...]
    weights: tuple[int, ...]  # how popular each option is among the voters
    allows_multiple: bool = False
    state: str = "open"  # "open" (no end), "closing" (ends in CLOSING_DAYS), "closed"


POLL_CLOSING_DAYS = 12
POLL_CLOSED_AFTER_DAYS = 7  # a closed poll ran this long after its post


@dataclass(frozen=True)
class StoryPost:
    """A hand-placed post: the demo's polls and its pinned, locked and edited posts."""

    community: str
    author: str | None  # a username, or None: an owner of the community
    age_days: int
    body: str
    poll: PollSpec | None = None
    pinned: bool = False
    edits: tuple[str, ...] = ()  # later versions of the body, oldest first
    closing_comment: str = ""  # a moderator's last word before locking the comments


STORY_POSTS: tuple[StoryPost, ...] = (
    StoryPost(
        "digitalisierung",
        None,
        88,
        "**Willkommen in der Community Digitalisierung!** 👋\n\nHier tauschen wir uns über "
        "alles rund um die digitale Verwaltung aus. Ein paar Spielregeln:\n\n"
        "- Fragen sind ausdrücklich erwünscht, es gibt keine dummen Fragen.\n"
        "- Bitte keine personenbezogenen Daten von Bürger*innen posten.\n"
        "- Nutzt Hashtags wie #Digitalisierung, #OZG oder #E-Akte, damit Beiträge gefunden "
        "werden.\n\nDie Strategie zum Nachlesen: "
        "[Digitalisierungsstrategie 2030](https://stadt.muenchen.example/digitalisierung/"
        "strategie-2030)",
        pinned=True,
    ),
    StoryPost(
        "barcamp-digitale-stadt",
        "max.huber",
        9,
        "Liebe BarCamp-Fans, wir planen das **#BarCamp2026**! 🎉 Stimmt bitte bis Ende "
        "nächster Woche ab, welcher Termin euch am besten passt. Alles zum Format: "
        "[BarCamp Digitale Stadt](https://stadt.muenchen.example/barcamp)\n\n"
        "Sessionvorschläge sammeln wir wie immer hier in der Community. #Digitalisierung",
        poll=PollSpec(
            "Welcher Termin passt für das nächste BarCamp?",
            ("Freitag, 16. Oktober 2026", "Freitag, 23. Oktober 2026", "Freitag, 6. November 2026"),
            (3, 5, 2),
            state="closing",
        ),
        pinned=True,
    ),
    StoryPost(
        "digitalisierung",
        None,
        21,
        "Wir planen das Fortbildungsprogramm für 2027 und möchten wissen, was euch wirklich "
        "weiterhilft. Mehrfachauswahl ist möglich! #Fortbildung #Digitalisierung",
        poll=PollSpec(
            "Welche Schulung wünscht ihr euch 2027?",
            (
                "E-Akte für Fortgeschrittene",
                "KI-Werkzeuge sicher nutzen",
                "Barrierefreie Dokumente erstellen",
                "Datenanalyse mit Excel und Python",
                "Agile Methoden im Verwaltungsalltag",
            ),
            (4, 6, 3, 3, 2),
            allows_multiple=True,
        ),
    ),
    StoryPost(
        "mobiles-arbeiten",
        None,
        33,
        "Für die Evaluation der Dienstvereinbarung ein kurzes Stimmungsbild: Wie oft arbeitet "
        "ihr derzeit mobil? Danke fürs Mitmachen! #MobilesArbeiten",
        poll=PollSpec(
            "An wie vielen Tagen pro Woche arbeitet ihr mobil?",
            ("Gar nicht", "1 Tag", "2 Tage", "3 Tage", "4 Tage oder mehr"),
            (1, 3, 6, 4, 1),
        ),
    ),
    StoryPost(
        "betriebssport",
        "max.huber",
        45,
        "Der Lauftreff für den **Firmenlauf** startet wieder! Wir treffen uns einmal pro Woche "
        "um 17:15 Uhr am Friedensengel. Welcher Tag passt euch am besten? #Firmenlauf",
        poll=PollSpec(
            "Welcher Wochentag passt euch am besten für den Lauftreff?",
            ("Montag", "Dienstag", "Mittwoch", "Donnerstag"),
            (2, 6, 3, 3),
            state="closed",
        ),
    ),
    StoryPost(
        "betriebssport",
        "max.huber",
        37,
        "Danke fürs Abstimmen! Die Umfrage ist beendet, wir starten mit dem Tag, der die meisten "
        "Stimmen bekommen hat. Laufschuhe schnüren, los geht's! 🏃 #Firmenlauf #Gesundheit",
    ),
    StoryPost(
        "e-mobilitaet",
        None,
        12,
        "Wir planen die Flotte für die nächsten Jahre und wollen wissen, womit ihr Dienstgänge "
        "am liebsten erledigt. Mehrfachnennungen erlaubt. #E-Mobilität #Dienstfahrzeuge",
        poll=PollSpec(
            "Wie seid ihr bei Dienstgängen am liebsten unterwegs?",
            ("E-Dienstfahrrad", "MVG Rad", "Elektrisches Poolfahrzeug", "ÖPNV", "Zu Fuß"),
            (4, 2, 3, 6, 3),
            allows_multiple=True,
        ),
    ),
    StoryPost(
        "nachwuchskraefte",
        "max.huber",
        3,
        "Die Lerngruppe geht in die nächste Runde. Welches Thema nehmen wir uns als Nächstes "
        "vor? #Prüfungsvorbereitung #Ausbildung",
        poll=PollSpec(
            "Welches Thema soll der nächste Lerngruppen-Abend haben?",
            ("Verwaltungsrecht", "Haushaltsrecht", "Kommunalrecht", "Prüfungssimulation"),
            (3, 2, 2, 5),
        ),
    ),
    StoryPost(
        "mobiles-arbeiten",
        None,
        15,
        "Warum bekommen manche Teams drei mobile Tage pro Woche und andere nur einen? Das wirkt "
        "auf mich ziemlich willkürlich. Gilt die Dienstvereinbarung nicht für alle gleich? "
        "#MobilesArbeiten",
        closing_comment="Danke für die rege Diskussion! Die Regelung im Einzelfall hängt von den "
        "Aufgaben ab, das lässt sich hier nicht klären. Wir schließen die Kommentare; bitte "
        "wendet euch mit konkreten Fragen an euren Personalservice oder schaut in die "
        "[FAQ](https://stadt.muenchen.example/personal/mobiles-arbeiten/faq).",
    ),
    StoryPost(
        "nachwuchskraefte",
        "max.huber",
        6,
        "Der nächste **Nachwuchskräfte-Stammtisch** ist am Donnerstag ab 18 Uhr im Augustiner "
        "am Dom. Alle Azubis, Anwärter*innen und dual Studierenden sind herzlich eingeladen! "
        "#Nachwuchskräfte",
        edits=(
            "Der nächste **Nachwuchskräfte-Stammtisch** ist am Donnerstag ab 18 Uhr. Wegen der "
            "vielen Anmeldungen sind wir in den **Hofbräukeller** umgezogen. Alle Azubis, "
            "Anwärter*innen und dual Studierenden sind herzlich eingeladen! #Nachwuchskräfte",
            "Der nächste **Nachwuchskräfte-Stammtisch** ist am Donnerstag ab 18 Uhr. Wegen der "
            "vielen Anmeldungen sind wir in den **Hofbräukeller** umgezogen, der Tisch ist auf "
            "den Namen Huber reserviert. Alle Azubis, Anwärter*innen und dual Studierenden sind "
            "herzlich eingeladen! #Nachwuchskräfte",
        ),
    ),
    StoryPost(
        "kvr-intern",
        "erika.mustermann",
        4,
        "Kleiner Erfahrungsbericht aus dem Bürgerbüro Ruppertstraße: Seit wir die Termine "
        "online vergeben, sind die Wartezeiten am Vormittag deutlich kürzer. Wie sieht das in "
        "den anderen Bürgerbüros aus? #Bürgerbüro #KVR",
    ),
    StoryPost(
        "open-government",
        None,
        27,
        "Meilenstein: Das **Open-Data-Portal** hat die Marke von 500 Datensätzen geknackt! 🎉 "
        "Neu dabei sind unter anderem die Radzählstellen und die Standorte der Wertstoffinseln. "
        "Zum Portal: <https://stadt.muenchen.example/opendata> #OpenData #Transparenz",
    ),
    StoryPost(
        "smart-city",
        None,
        18,
        "Erste Auswertung der Parkraumsensoren in der Innenstadt:\n\n"
        "1. Die Auslastung liegt werktags bei über 90 Prozent.\n"
        "2. Die Suchverkehre sinken dort, wo die Anzeige aktiv ist.\n"
        "3. Die Daten laufen stündlich in die urbane Datenplattform, Endpunkt `/api/parken/v1`.\n"
        "\n#SmartCity #UrbaneDatenplattform #OpenData",
    ),
    StoryPost(
        "zensus-2022",
        None,
        86,
        "Der **Abschlussbericht** der Erhebungsstelle ist fertig und liegt unter "
        "`S:\\Zensus2022\\Abschluss`. Danke an alle, die mitgeholfen haben! Die Community wird "
        "jetzt archiviert. #Zensus2022",
    ),
)
SAVED_POSTS_PER_DEMO_LOGIN = 3
SAVED_POSTS_OTHERS = 30

# --- Announcements ------------------------------------------------------------------------------

ANNOUNCEMENT_MOBILE_WORK = (
    "Neue Dienstvereinbarung mobiles Arbeiten",
    "Liebe Kolleginnen und Kollegen,\n\nab dem Ersten des kommenden Monats gilt die neue "
    "**Dienstvereinbarung zum mobilen Arbeiten**. Die wichtigsten Änderungen:\n\n"
    "- Bis zu drei Tage mobiles Arbeiten pro Woche, nach Absprache im Team\n"
    "- Neue Regeln zur Erreichbarkeit und zur Zeiterfassung\n"
    "- Zuschuss zur ergonomischen Ausstattung für zu Hause\n\n"
    "Den vollständigen Text und die FAQ findet ihr unter "
    "[Dienstvereinbarung mobiles Arbeiten](https://stadt.muenchen.example/personal/"
    "mobiles-arbeiten/dienstvereinbarung). Bitte bestätigt, dass ihr sie gelesen habt.",
)
ANNOUNCEMENT_KVR = (
    "Bürgerbüros: geänderte Öffnungszeiten zwischen den Jahren",
    "Zwischen Weihnachten und Neujahr sind die Bürgerbüros nur **vormittags von 8 bis "
    "12 Uhr** geöffnet. Die Kfz-Zulassungsstelle bleibt am 31. Dezember geschlossen. Bitte "
    "plant Termine und Vertretungen entsprechend und informiert die Bürger*innen am Telefon.",
)
ANNOUNCEMENT_EXPIRED = (
    "Wartungsarbeiten am E-Mail-System am Samstag",
    "Am Samstag zwischen 6 und 14 Uhr ist das E-Mail-System wegen Wartungsarbeiten nicht "
    "erreichbar. Der Zugriff auf Kalender und Kontakte ist in dieser Zeit ebenfalls "
    "eingeschränkt.",
)
ACKNOWLEDGED_SHARE = 0.4
# Who the KVR's announcements come from, in order of preference.
KVR_EDITOR_TITLES = ("Pressesprecher*in", "Referent*in der Referatsleitung", "Referatsleitung")

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
    Records no realtime events: a fresh demo starts with an empty event log (thousands of
    events stamped "now" would only be replayed to the first clients).
    """
    with recording_paused():
        return _DemoBuilder(seed).build()


@dataclass
class _CommentPlan:
    author: Employee
    body: str
    parent: int | None  # position of the top-level comment it answers
    reactions: list[tuple[Employee, str]] = field(default_factory=list)
    at: datetime = EPOCH
    comment: Comment | None = None


@dataclass
class _PostPlan:
    """A post with everything that happens to it, drawn before it is published."""

    community: str | None  # slug; None: on the author's profile
    author: Employee
    body: str
    kind: str  # picks fitting comments and reactions
    age_days: int | None = None  # fixed for story posts, drawn for the others
    poll: PollSpec | None = None
    edits: tuple[str, ...] = ()
    pin_by: Employee | None = None
    closing: tuple[Employee, str] | None = None  # moderator and last comment before the lock
    comments: list[_CommentPlan] = field(default_factory=list)
    reactions: list[tuple[Employee, str]] = field(default_factory=list)
    votes: list[tuple[Employee, list[int]]] = field(default_factory=list)  # option positions
    savers: list[Employee] = field(default_factory=list)
    at: datetime = EPOCH
    edit_times: list[datetime] = field(default_factory=list)
    post: Post | None = None


@dataclass
class _AnnouncementPlan:
    announcement: Announcement
    at: datetime
    expires_at: datetime | None = None  # only where it is moved into the past


class _Clock:
    """When things happened: weekdays in office hours within FEED_DAYS before now. Drawn from
    an RNG of its own, so what the demo contains never depends on when it is built."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed + 2)  # noqa: S311 - reproducible demo data
        self.now = now
        self.local_now = timezone.localtime(now)

    def days_ago(self, days: int) -> datetime:
        """A time in office hours `days` days ago (moved to the Friday before if that is a
        weekend day, most of the time)."""
        day = self.local_now.date() - timedelta(days=days)
        if self.rng.random() < 0.85 and day.weekday() >= 5:
            day -= timedelta(days=day.weekday() - 4)
        start = datetime.combine(day, dt_time(), tzinfo=self.local_now.tzinfo)
        moment = start + timedelta(minutes=self.rng.uniform(7.5 * 60, 17.75 * 60))
        return min(moment, self.now - timedelta(minutes=30))

    def after(self, start: datetime, hours: float) -> datetime:
        """A time at least a minute after `start`, within `hours` and before now; early
        times are more likely (people react soon after something is posted)."""
        span = min(timedelta(hours=hours), self.now - start) - timedelta(minutes=1)
        return start + timedelta(minutes=1) + max(span, timedelta(0)) * self.rng.random() ** 2

    def schedule(self, plan: _PostPlan, *, archived: bool) -> None:
        """Times for the post, its comments (in order, replies after their parents, within
        four days) and its edits. Posts of archived communities lie at the far end."""
        rng = self.rng
        if plan.age_days is not None:
            days = plan.age_days
        elif archived:
            days = rng.randint(60, FEED_DAYS - 1)
        else:
            days = 1 + int((FEED_DAYS - 2) * rng.random() ** 1.5)
        plan.at = self.days_ago(days)
        window = min(timedelta(days=4), self.now - plan.at) - timedelta(minutes=10)
        offsets = sorted(rng.random() ** 2 for _ in plan.comments)
        for index, (comment, offset) in enumerate(zip(plan.comments, offsets, strict=True)):
            comment.at = plan.at + timedelta(minutes=5, seconds=index) + window * offset
        plan.edit_times = sorted(
            plan.at + timedelta(minutes=10) + window * rng.random() for _ in plan.edits
        )


_CONTRACTIONS = (("bei dem ", "beim "), ("zu dem ", "zum "), ("zu der ", "zur "))


def _contract(text: str) -> str:
    """German contracts preposition and article: "zu der E-Akte" -> "zur E-Akte"."""
    for long, short in _CONTRACTIONS:
        text = text.replace(f" {long}", f" {short}")
    return text


def _dative(phrase: str) -> str:
    """ "der Stammtisch" -> "dem Stammtisch", "die Schulung" -> "der Schulung" (singular)."""
    for nominative, dative in (("der ", "dem "), ("das ", "dem "), ("die ", "der ")):
        if phrase.startswith(nominative):
            return dative + phrase[len(nominative) :]
    return phrase


class _DemoBuilder:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        # The feed draws from its own RNG: adding to it leaves the organisation unchanged.
        self.feed_rng = random.Random(seed + 1)  # noqa: S311
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
        self.deputies_of: dict[int, list[Employee]] = {}
        # Per community slug, as built (members in join order, the first owner first).
        self.specs: dict[str, CommunitySpec] = {spec.slug: spec for spec in COMMUNITIES}
        self.communities: dict[str, Community] = {}
        self.members_of: dict[str, list[Employee]] = {}
        self.member_pks: dict[str, set[int]] = {}
        self.managers_of: dict[str, list[Employee]] = {}
        self.owner_of: dict[str, Employee] = {}
        self.editor_appointment: tuple[DepartmentEditor, datetime] | None = None

    def build(self) -> DemoSummary:
        self._departments()
        self._employees()
        self._profiles()
        self._deputies()
        self._follows()
        self._communities()
        for employee in self.inactive:
            people_services.set_employee_active(employee=employee, active=False)
        self._feed()
        # Archived last: an archived community keeps its history but takes no new posts.
        for spec in COMMUNITIES:
            if spec.archived:
                community_services.archive_community(
                    actor=self.owner_of[spec.slug], community=self.communities[spec.slug]
                )
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
            self.deputies_of[employee.pk] = chosen

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
        self.communities[spec.slug] = community
        self.members_of[spec.slug] = [owner, *members]
        self.member_pks[spec.slug] = {e.pk for e in self.members_of[spec.slug]}
        self.managers_of[spec.slug] = managers
        self.owner_of[spec.slug] = owner

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

    # --- Feed --------------------------------------------------------------------------------

    def _feed(self) -> None:
        """Posts, comments, reactions, polls, saved posts and announcements.

        Three steps keep the content independent of the clock: everything people write and do
        is drawn first (from `self.feed_rng`, so the organisation above stays as it was), then
        the times (from their own RNG, relative to now), then the services run in time order
        and the timestamps are moved into the past."""
        plans = self._plan_posts()
        acks = self._plan_acknowledgements()
        clock = _Clock(self.seed, timezone.now())
        for plan in plans:
            archived = plan.community is not None and self.specs[plan.community].archived
            clock.schedule(plan, archived=archived)
        for plan in sorted(plans, key=lambda plan: plan.at):
            self._publish(plan)
        announcements = self._announcements(acks, clock)
        self._backdate(plans, announcements, clock)

    # Planning: who writes, comments, reacts, votes and saves what.

    def _plan_posts(self) -> list[_PostPlan]:
        plans = [self._plan_story(story) for story in STORY_POSTS]
        for spec in COMMUNITIES:
            for _ in range(FEED_TOPICS[spec.slug].posts):
                plans.append(self._plan_community_post(spec))
        plans += self._plan_profile_posts()
        for plan in plans:
            self._plan_responses(plan)
        self._plan_saves(plans)
        return plans

    def _plan_story(self, story: StoryPost) -> _PostPlan:
        slug = story.community
        if story.author is not None:
            author = self.by_username[story.author]
        elif story.poll is not None or story.pinned:
            author = self.owner_of[slug]
        else:
            author = self._author(slug)
        plan = _PostPlan(
            community=slug,
            author=author,
            body=story.body,
            kind="debate" if story.closing_comment else "story",
            age_days=story.age_days,
            poll=story.poll,
            edits=story.edits,
        )
        if story.pinned:
            plan.pin_by = self.owner_of[slug]
        if story.closing_comment:
            moderators = [e for e in self.managers_of[slug] if e.pk != author.pk]
            plan.closing = (self.feed_rng.choice(moderators), story.closing_comment)
        return plan

    def _plan_community_post(self, spec: CommunitySpec) -> _PostPlan:
        rng = self.feed_rng
        topic = FEED_TOPICS[spec.slug]
        author = self._author(spec.slug)
        templates = [t for t in POST_TEMPLATES if not topic.leisure or t[0] not in WORK_ONLY_KINDS]
        kind, template = rng.choice(templates)
        mentioned = self._others(spec.slug, {author.pk}, 2)
        event = rng.choice(topic.events)
        link_title, path = rng.choice(topic.links)
        tags = rng.sample(topic.hashtags, k=min(len(topic.hashtags), rng.choice((1, 1, 2, 2, 3))))
        if rng.random() < 0.1:
            tags.append(rng.choice(GENERAL_HASHTAGS))
        body = template.format(
            subject=rng.choice(topic.subjects),
            event=_dative(event),
            event_cap=event[:1].upper() + event[1:],
            project=rng.choice(topic.projects),
            link_title=link_title,
            link=f"{LINK_BASE}/{path}",
            tags=" ".join(f"#{tag}" for tag in dict.fromkeys(tags)),
            mention=f"@{mentioned[0].username}",
            mention2=f"@{mentioned[1].username}",
            when=rng.choice(WHEN),
            time=rng.choice(TIMES),
            place=rng.choice(PLACES),
            unit=self._unit_name(author),
            code=f"S:\\Gemeinsam\\{spec.name}\\Vorlagen",
            steps="\n".join(
                f"{n}. {step}" for n, step in enumerate(rng.sample(PROJECT_STEPS, k=3), start=1)
            ),
            progress=rng.choice(PROGRESS),
        )
        return _PostPlan(community=spec.slug, author=author, body=_contract(body), kind=kind)

    def _plan_profile_posts(self) -> list[_PostPlan]:
        rng = self.feed_rng
        demo = [self.by_username["erika.mustermann"], self.by_username["max.huber"]]
        others = [e for e in self._active() if e not in demo and e.username != "admin"]
        plans = []
        for author in demo + rng.sample(others, PROFILE_POST_COUNT - len(demo)):
            deputies = self.deputies_of.get(author.pk, [])
            templates = [t for t in PROFILE_POSTS if deputies or "{deputy}" not in t[1]]
            kind, template = rng.choice(templates)
            body = template.format(
                unit=self._unit_name(author),
                referat=self.by_code[self.referat_of[author.pk]].referat.name,
                deputy=f"@{deputies[0].username}" if deputies else "",
                course=rng.choice(COURSES),
            )
            plans.append(_PostPlan(community=None, author=author, body=body, kind=kind))
        return plans

    def _plan_responses(self, plan: _PostPlan) -> None:
        """Comments (some of them replies), reactions on the post and its comments, votes."""
        rng = self.feed_rng
        slug = plan.community
        weights = COMMENT_COUNT_WEIGHTS[plan.kind == "question" or plan.kind == "debate"]
        count = rng.choices(range(len(weights)), weights=weights)[0]
        if plan.kind == "debate":
            count = rng.randint(4, 7)  # and the moderator's closing comment
        elif slug is not None and len(self.members_of[slug]) < 12:
            count = min(count, 3)
        pool = list(COMMENTS.get(plan.kind, COMMENTS["any"]))
        for _ in range(count):
            author = self._reader(slug, exclude=plan.author)
            tops = [i for i, c in enumerate(plan.comments) if c.parent is None]
            parent = rng.choice(tops) if tops and rng.random() < 0.3 else None
            if parent is not None and rng.random() < 0.4:
                author = plan.author
            if parent is not None and plan.comments[parent].author.pk != author.pk:
                replies = AUTHOR_REPLIES if author.pk == plan.author.pk else REPLIES
                body = rng.choice(replies).format(parent=plan.comments[parent].author.username)
            else:
                parent = None
                other = self._others(slug, {author.pk, plan.author.pk}, 1)[0]
                # Each comment once per post, while the pool lasts.
                text = pool.pop(rng.randrange(len(pool))) if len(pool) > 1 else pool[0]
                body = text.format(other=f"@{other.username}")
            plan.comments.append(_CommentPlan(author=author, body=body, parent=parent))
        if plan.closing is not None:
            moderator, text = plan.closing
            plan.comments.append(_CommentPlan(author=moderator, body=text, parent=None))
        size = len(self.members_of[slug]) if slug is not None else 40
        mean = REACTIONS_BASE + REACTIONS_PER_SQRT_MEMBER * math.sqrt(size)
        count = int(rng.expovariate(1 / mean))
        plan.reactions = self._plan_reactions(slug, plan.kind, plan.author, count)
        for comment in plan.comments:
            if rng.random() < COMMENT_REACTION_SHARE:
                count = rng.randint(1, 3)
                comment.reactions = self._plan_reactions(slug, plan.kind, comment.author, count)
        if plan.poll is not None:
            plan.votes = self._plan_votes(slug, plan.poll)

    def _plan_reactions(
        self, slug: str | None, post_kind: str, author: Employee, count: int
    ) -> list[tuple[Employee, str]]:
        """`count` readers (not the author) with one reaction each, a few with two."""
        rng = self.feed_rng
        kinds = feed_services.reaction_kinds()
        fitting = FITTING_REACTIONS.get(post_kind.split("-")[0], ())
        weights = [
            max(1, 6 - 2 * i) * (3 if kind in fitting else 1) for i, kind in enumerate(kinds)
        ]
        reactors: dict[int, Employee] = {}
        for _ in range(count * 2):
            if len(reactors) == count:
                break
            reader = self._reader(slug, exclude=author)
            reactors.setdefault(reader.pk, reader)
        reactions = []
        for reader in reactors.values():
            chosen = rng.choices(kinds, weights=weights)[0]
            reactions.append((reader, chosen))
            second = rng.choices(kinds, weights=weights)[0]
            if rng.random() < 0.1 and second != chosen:
                reactions.append((reader, second))
        return reactions

    def _plan_votes(self, slug: str | None, poll: PollSpec) -> list[tuple[Employee, list[int]]]:
        rng = self.feed_rng
        voters = self.members_of[slug] if slug is not None else self._active()
        share = rng.uniform(0.25, 0.5)
        positions = list(range(len(poll.options)))
        votes = []
        for voter in rng.sample(voters, k=max(3, round(share * len(voters)))):
            chosen = rng.choices(positions, weights=poll.weights)[0]
            picks = [chosen]
            if poll.allows_multiple:
                for _ in range(rng.choice((0, 1, 1, 2))):
                    pick = rng.choices(positions, weights=poll.weights)[0]
                    if pick not in picks:
                        picks.append(pick)
            votes.append((voter, picks))
        return votes

    def _plan_saves(self, plans: list[_PostPlan]) -> None:
        rng = self.feed_rng
        savers = [self.by_username["erika.mustermann"], self.by_username["max.huber"]]
        for saver in savers:
            readable = [p for p in plans if p.author.pk != saver.pk and self._reads(saver, p)]
            for plan in rng.sample(readable, k=SAVED_POSTS_PER_DEMO_LOGIN):
                plan.savers.append(saver)
        active = self._active()
        for _ in range(SAVED_POSTS_OTHERS):
            saver = rng.choice(active)
            plan = rng.choice(plans)
            if self._reads(saver, plan) and saver.pk not in {s.pk for s in plan.savers}:
                plan.savers.append(saver)

    def _plan_acknowledgements(self) -> list[Employee]:
        # The demo logins are left out, so that they see the request to acknowledge.
        demo = {account.username for account in DEMO_ACCOUNTS}
        addressees = [e for e in self._active() if e.username not in demo]
        return self.feed_rng.sample(addressees, k=round(ACKNOWLEDGED_SHARE * len(addressees)))

    # Who: authors are members; readers of public communities include everyone.

    def _author(self, slug: str) -> Employee:
        members = self.members_of[slug]
        managers = {e.pk for e in self.managers_of[slug]}
        demo = {account.username for account in DEMO_ACCOUNTS}
        weights = [3 if e.pk in managers else 2 if e.username in demo else 1 for e in members]
        return self.feed_rng.choices(members, weights=weights)[0]

    def _reader(self, slug: str | None, *, exclude: Employee) -> Employee:
        """Somebody who may read (and so comment on and react to) posts of the community:
        mostly members; in a public community without department scope, anyone now and then."""
        rng = self.feed_rng
        if slug is None:
            pool = self._active()
        else:
            spec = self.specs[slug]
            public = spec.visibility == Visibility.PUBLIC and spec.restricted_to is None
            everyone = public and rng.random() < 0.25
            pool = self._active() if everyone else self.members_of[slug]
        for _ in range(5):
            reader = rng.choice(pool)
            if reader.pk != exclude.pk:
                break
        return reader

    def _others(self, slug: str | None, exclude: set[int], count: int) -> list[Employee]:
        """`count` different members (on profiles: employees) to @mention, not in `exclude`."""
        pool = self.members_of[slug] if slug is not None else self._active()
        candidates = [e for e in pool if e.pk not in exclude] or pool
        chosen = self.feed_rng.sample(candidates, k=min(count, len(candidates)))
        return (chosen * count)[:count]  # repeats only in communities too small for `count`

    def _reads(self, employee: Employee, plan: _PostPlan) -> bool:
        """Whether the employee may read the planned post (mirrors feed.permissions)."""
        if plan.community is None or employee.pk in self.member_pks[plan.community]:
            return True
        spec = self.specs[plan.community]
        in_scope = spec.restricted_to in (None, self.referat_of[employee.pk])
        return spec.visibility == Visibility.PUBLIC and in_scope

    def _unit_name(self, employee: Employee) -> str:
        department = employee.department
        return department.name if department is not None else "Stadtverwaltung"

    # Publishing: the services, in the order the posts were written.

    def _publish(self, plan: _PostPlan) -> None:
        community = self.communities[plan.community] if plan.community else None
        poll: dict[str, object] | None = None
        if plan.poll is not None:
            poll = {
                "question": plan.poll.question,
                "options": list(plan.poll.options),
                "allows_multiple": plan.poll.allows_multiple,
            }
            if plan.poll.state != "open":
                # Closing times must lie in the future when a poll is created; the closed
                # poll's is moved into the past with the other timestamps (_backdate).
                days = POLL_CLOSING_DAYS if plan.poll.state == "closing" else 1
                poll["closes_at"] = timezone.now() + timedelta(days=days)
        post = feed_services.create_post(
            author=plan.author, community=community, body=plan.body, poll=poll
        )
        plan.post = post
        for comment in plan.comments:
            parent = plan.comments[comment.parent].comment if comment.parent is not None else None
            comment.comment = feed_services.create_comment(
                author=comment.author, post=post, body=comment.body, parent=parent
            )
        if plan.closing is not None:
            feed_services.lock_comments(actor=plan.closing[0], post=post, locked=True)
        for body in plan.edits:
            feed_services.edit_post(editor=plan.author, post=post, body=body)
        if plan.pin_by is not None:
            feed_services.pin_post(actor=plan.pin_by, post=post, pinned=True)
        for employee, kind in plan.reactions:
            feed_services.toggle_reaction(employee=employee, post=post, kind=kind)
        for comment in plan.comments:
            for employee, kind in comment.reactions:
                feed_services.toggle_reaction(employee=employee, comment=comment.comment, kind=kind)
        if plan.votes:
            created = Poll.objects.get(post=post)
            option_ids = list(created.options.values_list("pk", flat=True))
            for voter, positions in plan.votes:
                polls_services.vote(
                    voter=voter, poll=created, option_ids=[option_ids[i] for i in positions]
                )
        for saver in plan.savers:
            feed_services.save_post(employee=saver, post=post)

    def _announcements(self, acks: list[Employee], clock: _Clock) -> list[_AnnouncementPlan]:
        admin = self.by_username["admin"]
        kvr = self.by_code["KVR"].department
        editor = next(
            e
            for title in KVR_EDITOR_TITLES
            for e in self._active()
            if e.job_title == title and self.referat_of[e.pk] == "KVR"
        )
        appointment = announcement_services.appoint_editor(
            admin=admin, department=kvr, employee=editor
        )
        self.editor_appointment = (appointment, clock.days_ago(10))
        # Expiry times must lie in the future when publishing: the expired announcement's is
        # moved into the past with the other timestamps (_backdate).
        soon = timezone.now() + timedelta(days=1)
        title, body = ANNOUNCEMENT_MOBILE_WORK
        mobile = announcement_services.publish_announcement(
            author=admin,
            title=title,
            body=body,
            requires_ack=True,
            expires_at=timezone.now() + timedelta(days=60),
        )
        for employee in acks:
            announcement_services.acknowledge(employee=employee, announcement=mobile)
        title, body = ANNOUNCEMENT_KVR
        kvr_notice = announcement_services.publish_announcement(
            author=editor,
            title=title,
            body=body,
            department=kvr,
            expires_at=timezone.now() + timedelta(days=30),
        )
        title, body = ANNOUNCEMENT_EXPIRED
        expired = announcement_services.publish_announcement(
            author=admin, title=title, body=body, expires_at=soon
        )
        return [
            _AnnouncementPlan(mobile, clock.days_ago(6)),
            _AnnouncementPlan(kvr_notice, clock.days_ago(3)),
            _AnnouncementPlan(expired, clock.days_ago(24), expires_at=clock.days_ago(21)),
        ]

    # History: the one write that bypasses the services.

    def _backdate(
        self, plans: list[_PostPlan], announcements: list[_AnnouncementPlan], clock: _Clock
    ) -> None:
        """Move the feed's timestamps into the past.

        A demo feed needs history: posts of the last three months, comments after their posts,
        a closed poll and an expired announcement. The services stamp every row with the
        current time (and refuse closing times in the past), so this is the only write of the
        feed that goes around them: one `bulk_update` (UPDATE ... SET col = CASE pk ..., in
        batches as the database allows) per table, with the times planned by `_Clock`.
        `last_activity_at` stays what the services maintain: the time of the newest comment.
        """
        posts, comments, post_times, comment_times = [], [], {}, {}
        for plan in plans:
            assert plan.post is not None
            post_times[plan.post.pk] = plan.at
            last = plan.at
            for comment in plan.comments:
                assert comment.comment is not None
                comment_times[comment.comment.pk] = comment.at
                comments.append(Comment(pk=comment.comment.pk, created_at=comment.at))
                last = max(last, comment.at)
            posts.append(
                Post(
                    pk=plan.post.pk,
                    created_at=plan.at,
                    last_activity_at=last,
                    edited_at=plan.edit_times[-1] if plan.edit_times else None,
                    pinned_at=clock.after(plan.at, hours=6) if plan.pin_by else None,
                )
            )
        fields = ["created_at", "last_activity_at", "edited_at", "pinned_at"]
        Post.objects.bulk_update(posts, fields)
        Comment.objects.bulk_update(comments, ["created_at"])

        revisions = []
        for plan in plans:
            if plan.edit_times:
                assert plan.post is not None
                written = [plan.at, *plan.edit_times]
                rows = PostRevision.objects.filter(post=plan.post).order_by("replaced_at", "pk")
                for index, pk in enumerate(rows.values_list("pk", flat=True)):
                    revisions.append(
                        PostRevision(
                            pk=pk, created_at=written[index], replaced_at=written[index + 1]
                        )
                    )
        PostRevision.objects.bulk_update(revisions, ["created_at", "replaced_at"])

        def target_time(post_id: int | None, comment_id: int | None) -> datetime:
            if post_id is not None:
                return post_times[post_id]
            assert comment_id is not None
            return comment_times[comment_id]

        reactions = [
            Reaction(pk=pk, created_at=clock.after(target_time(post_id, comment_id), hours=48))
            for pk, post_id, comment_id in Reaction.objects.order_by("pk").values_list(
                "pk", "post_id", "comment_id"
            )
        ]
        Reaction.objects.bulk_update(reactions, ["created_at"])
        mentions = [
            Mention(pk=pk, created_at=target_time(post_id, comment_id))
            for pk, post_id, comment_id in Mention.objects.order_by("pk").values_list(
                "pk", "post_id", "comment_id"
            )
        ]
        Mention.objects.bulk_update(mentions, ["created_at"])
        saved = [
            SavedPost(pk=pk, created_at=clock.after(post_times[post_id], hours=24 * 30))
            for pk, post_id in SavedPost.objects.order_by("pk").values_list("pk", "post_id")
        ]
        SavedPost.objects.bulk_update(saved, ["created_at"])

        polls, votes, closing = [], [], {}
        for plan in plans:
            if plan.poll is not None and plan.poll.state == "closed":
                assert plan.post is not None
                closes_at = plan.at + timedelta(days=POLL_CLOSED_AFTER_DAYS)
                assert closes_at < clock.now
                poll_id = Poll.objects.values_list("pk", flat=True).get(post=plan.post)
                polls.append(Poll(pk=poll_id, closes_at=closes_at))
                closing[plan.post.pk] = closes_at
        Poll.objects.bulk_update(polls, ["closes_at"])
        for pk, post_id in PollVote.objects.order_by("pk").values_list("pk", "poll__post_id"):
            at = post_times[post_id]
            hours = (closing[post_id] - at).total_seconds() / 3600 if post_id in closing else 72
            votes.append(PollVote(pk=pk, created_at=clock.after(at, hours=hours)))
        PollVote.objects.bulk_update(votes, ["created_at"])

        Announcement.objects.bulk_update(
            [
                Announcement(
                    pk=plan.announcement.pk,
                    created_at=plan.at,
                    expires_at=plan.expires_at or plan.announcement.expires_at,
                )
                for plan in announcements
            ],
            ["created_at", "expires_at"],
        )
        published = {plan.announcement.pk: plan.at for plan in announcements}
        acks = [
            AnnouncementAck(pk=pk, acknowledged_at=clock.after(published[announcement_id], 96))
            for pk, announcement_id in AnnouncementAck.objects.order_by("pk").values_list(
                "pk", "announcement_id"
            )
        ]
        AnnouncementAck.objects.bulk_update(acks, ["acknowledged_at"])
        assert self.editor_appointment is not None
        appointment, appointed_at = self.editor_appointment
        DepartmentEditor.objects.filter(pk=appointment.pk).update(created_at=appointed_at)

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
        posts = Post.objects.all()
        comments = Comment.objects.all()
        polls = Poll.objects.all()
        counts.update(
            {
                "posts": posts.count(),
                "profile posts": posts.filter(community__isnull=True).count(),
                "pinned posts": posts.filter(is_pinned=True).count(),
                "edited posts": posts.filter(edited_at__isnull=False).count(),
                "posts with locked comments": posts.filter(comments_locked=True).count(),
                "comments": comments.count(),
                "replies": comments.filter(parent__isnull=False).count(),
                "reactions": Reaction.objects.count(),
                "hashtags": TaggedPost.objects.values("tag_id").distinct().count(),
                "mentions": Mention.objects.count(),
                "saved posts": SavedPost.objects.count(),
                "polls": polls.count(),
                "closed polls": polls.filter(closes_at__lte=timezone.now()).count(),
                "poll votes": PollVote.objects.count(),
                "announcements": Announcement.objects.count(),
                "acknowledgements": AnnouncementAck.objects.count(),
            }
        )
        return DemoSummary(
            counts=counts,
            logins=tuple(account.username for account in DEMO_ACCOUNTS),
        )


def _plain_name(name: str) -> bool:
    return name[:1].isupper() and all(ch.isalpha() or ch == "-" for ch in name)
