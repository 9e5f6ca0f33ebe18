"""HR provisioning: read an HR/directory export (CSV or JSON) of departments and employees,
validate all of it, plan the changes against the database and apply them through the people
services.

Only `apply_plan` (and `import_people` without a dry run) writes, in one transaction. The file
format and the behaviour are described in docs/import.md.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from taggit.models import TaggedItem

from people import services
from people.models import Department, Employee
from wilma.errors import ApiError, InvalidInput

FORMATS = ("csv", "json")
DEPARTMENT = "department"
EMPLOYEE = "employee"
FIELDS: dict[str, tuple[str, ...]] = {
    DEPARTMENT: ("code", "name", "parent", "position"),
    EMPLOYEE: (
        "personnel_number",
        "username",
        "first_name",
        "last_name",
        "email",
        "job_title",
        "department",
        "location",
        "room",
        "phone",
        "skills",
        "active",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    DEPARTMENT: ("code", "name"),
    EMPLOYEE: ("personnel_number", "username"),
}


def _model_field(model: type[models.Model], name: str) -> models.Field:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    return model_field


# Text fields are validated by the model field they end up in (length, e-mail, username rules).
MODEL_FIELDS: dict[str, dict[str, models.Field]] = {
    DEPARTMENT: {
        "code": _model_field(Department, "short_code"),
        "name": _model_field(Department, "name"),
    },
    EMPLOYEE: {
        name: _model_field(Employee, name)
        for name in FIELDS[EMPLOYEE]
        if name not in ("department", "skills", "active")
    },
}
# An empty value for these means "not given" (keep the current value), not "clear it".
KEEP_WHEN_EMPTY = ("position", "active")
JSON_SECTIONS = {"departments": DEPARTMENT, "employees": EMPLOYEE}
CSV_KIND_COLUMN = "kind"
CSV_COLUMNS = frozenset((CSV_KIND_COLUMN, *FIELDS[DEPARTMENT], *FIELDS[EMPLOYEE]))
SKILL_SEPARATOR = "|"
BOOLEAN_WORDS = {"1": True, "true": True, "ja": True, "0": False, "false": False, "nein": False}


# --- Results and errors ---------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in the file, located by physical line (and JSON element) and field."""

    line: int
    message: str
    field: str = ""
    where: str = ""

    def __str__(self) -> str:
        place = _("Zeile %(line)d") % {"line": self.line}
        if self.where:
            place += f" ({self.where})"
        if self.field:
            place += ", " + _("Feld %(field)s") % {"field": self.field}
        return f"{place}: {self.message}"


class ImportFailed(Exception):
    """The import was refused and nothing was written; `errors` lists every reason found."""

    def __init__(self, errors: Sequence[RowError | str]) -> None:
        self.errors = [str(error) for error in errors]
        super().__init__("\n".join(self.errors))


@dataclass
class Record:
    """One department or employee from the file: the fields it gives, as written (or cleaned)."""

    kind: str
    line: int
    where: str
    values: dict[str, Any]

    def error(self, message: str, field: str = "") -> RowError:
        return RowError(self.line, message, field, self.where)

    def at(self, text: str) -> str:
        return f"{text} " + _("(Zeile %(line)d)") % {"line": self.line}


@dataclass
class DepartmentChange:
    record: Record
    existing: Department | None
    fields: dict[str, Any]  # name, short_code, position: all to create, the changed to update
    parent: str | None  # the parent's code (as spelled) in the final tree
    moved: bool

    def describe(self) -> list[str]:
        values = {
            **self.record.values,
            "place": _("unter %(code)s") % {"code": self.parent}
            if self.parent
            else _("auf oberster Ebene"),
            "fields": ", ".join(self.fields),
        }
        if self.existing is None:
            texts = [_("Abteilung neu: %(code)s „%(name)s“ %(place)s")]
        else:
            texts = [
                *([_("Abteilung verschoben: %(code)s %(place)s")] if self.moved else []),
                *([_("Abteilung geändert: %(code)s: %(fields)s")] if self.fields else []),
            ]
        return [self.record.at(text % values) for text in texts]


@dataclass
class EmployeeChange:
    record: Record
    existing: Employee | None
    fields: dict[str, Any]  # provisioned fields to write; "department" holds a code
    skills: list[str] | None  # None: leave the skills alone
    active: bool | None  # None: leave is_active alone

    @property
    def changed(self) -> list[str]:
        return [*self.fields, *(["skills"] if self.skills is not None else [])]

    def describe(self) -> list[str]:
        values = {**self.record.values, "fields": ", ".join(self.changed)}
        if self.existing is None:
            texts = [_("Beschäftigte*r neu: %(personnel_number)s %(username)s")]
        else:
            texts = [
                *(
                    [_("Beschäftigte*r geändert: %(personnel_number)s %(username)s: %(fields)s")]
                    if self.changed
                    else []
                ),
                *(
                    [_("Beschäftigte*r reaktiviert: %(personnel_number)s %(username)s")]
                    if self.active
                    else []
                ),
                *(
                    [_("Beschäftigte*r deaktiviert: %(personnel_number)s %(username)s")]
                    if self.active is False
                    else []
                ),
            ]
        return [self.record.at(text % values) for text in texts]


@dataclass
class Plan:
    """What an import would change, in the order it has to be applied."""

    departments: list[DepartmentChange] = field(default_factory=list)  # parents first
    employees: list[EmployeeChange] = field(default_factory=list)
    deactivate: list[Employee] = field(default_factory=list)  # missing from a full export
    known_departments: dict[str, Department] = field(default_factory=dict)  # by _key(code)

    @property
    def counts(self) -> dict[str, int]:
        departments, employees = self.departments, self.employees
        return {
            "departments_created": sum(c.existing is None for c in departments),
            "departments_updated": sum(bool(c.existing and c.fields) for c in departments),
            "departments_moved": sum(bool(c.existing and c.moved) for c in departments),
            "employees_created": sum(c.existing is None for c in employees),
            "employees_updated": sum(bool(c.existing and c.changed) for c in employees),
            "employees_reactivated": sum(bool(c.existing and c.active) for c in employees),
            "employees_deactivated": len(self.deactivate)
            + sum(bool(c.existing and c.active is False) for c in employees),
        }

    @property
    def has_changes(self) -> bool:
        return bool(self.departments or self.employees or self.deactivate)

    def summary(self) -> str:
        text = _(
            "Abteilungen: %(departments_created)d neu, %(departments_updated)d geändert, "
            "%(departments_moved)d verschoben · Beschäftigte: %(employees_created)d neu, "
            "%(employees_updated)d geändert, %(employees_reactivated)d reaktiviert, "
            "%(employees_deactivated)d deaktiviert"
        )
        return text % self.counts

    def details(self) -> list[str]:
        """One line per change, in the order they are applied."""
        missing = _("Beschäftigte*r deaktiviert: %(number)s %(username)s (fehlt in der Datei)")
        return [
            *(line for change in self.departments for line in change.describe()),
            *(line for change in self.employees for line in change.describe()),
            *(
                missing % {"number": employee.personnel_number, "username": employee.username}
                for employee in self.deactivate
            ),
        ]


def _key(code: str) -> str:
    """Department codes and usernames are compared case-insensitively."""
    return code.casefold()


# --- Reading --------------------------------------------------------------------------------


def read_file(path: Path, file_format: str | None = None) -> tuple[list[Record], list[RowError]]:
    """Read the export at `path` (format from `file_format` or the file name's extension) into
    records, with the errors found while reading. Raises ImportFailed if it cannot be read."""
    file_format = file_format or path.suffix.lower().lstrip(".")
    if file_format not in FORMATS:
        raise ImportFailed(
            [_("Dateiformat unbekannt: bitte --format csv oder --format json angeben.")]
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed([_("Datei nicht lesbar: %(error)s.") % {"error": exc}]) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFailed([RowError(line, _("Die Datei ist nicht UTF-8-kodiert."))]) from exc
    if not text.strip():
        raise ImportFailed([_("Die Datei ist leer.")])
    return _read_csv(text) if file_format == "csv" else _read_json(text)


def _read_csv(text: str) -> tuple[list[Record], list[RowError]]:
    header_line = text.split("\n", 1)[0]
    # German Excel writes ";", most other tools ",". The header has no quoted commas.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[Record] = []
    errors: list[RowError] = []
    header: list[str] = []
    end = 0
    try:
        for cells in reader:
            # line_num is where the row ends; a quoted cell may span lines.
            line, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if not header:
                header = [cell.strip().lower() for cell in cells]
                errors.extend(_check_csv_header(header, line))
                continue
            record = _csv_record(header, cells, line, errors)
            if record is not None:
                records.append(record)
    except csv.Error as exc:
        error = _("CSV nicht lesbar: %(error)s.") % {"error": exc}
        raise ImportFailed([RowError(reader.line_num, error)]) from exc
    return records, errors


def _check_csv_header(header: list[str], line: int) -> list[RowError]:
    if CSV_KIND_COLUMN not in header:
        raise ImportFailed([RowError(line, _("Die Kopfzeile braucht eine Spalte „kind“."))])
    errors = [
        RowError(line, _("Unbekannte Spalte."), name) for name in header if name not in CSV_COLUMNS
    ]
    errors += [
        RowError(line, _("Spalte doppelt."), name)
        for name in sorted({name for name in header if header.count(name) > 1})
    ]
    return errors


def _csv_record(
    header: list[str], cells: list[str], line: int, errors: list[RowError]
) -> Record | None:
    if len(cells) != len(header):
        message = _("Die Zeile hat %(cells)d Felder, die Kopfzeile %(columns)d.")
        errors.append(RowError(line, message % {"cells": len(cells), "columns": len(header)}))
        return None
    row = dict(zip(header, cells, strict=True))
    kind = row[CSV_KIND_COLUMN].strip().lower()
    if kind not in FIELDS:
        errors.append(RowError(line, _("„department“ oder „employee“ erwartet."), CSV_KIND_COLUMN))
        return None
    values = {}
    for column, cell in row.items():
        if column in FIELDS[kind]:
            values[column] = cell
        elif column != CSV_KIND_COLUMN and column in CSV_COLUMNS and cell.strip():
            message = _("Gehört nicht zu Zeilen der Art „%(kind)s“; bitte leer lassen.")
            errors.append(RowError(line, message % {"kind": kind}, column))
    return Record(kind, line, "", values)


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _read_json(text: str) -> tuple[list[Record], list[RowError]]:
    newlines = [match.start() for match in re.finditer("\n", text)]

    def line_at(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    try:
        sections = _scan_json(text)
    except json.JSONDecodeError as exc:
        message = _("Kein gültiges JSON (Spalte %(column)d): %(error)s.")
        raise ImportFailed(
            [RowError(exc.lineno, message % {"column": exc.colno, "error": exc.msg})]
        ) from exc
    records: list[Record] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for name, offset, value in sections:
        if name not in JSON_SECTIONS or name in seen:
            message = _("Unbekannter oder doppelter Abschnitt; erwartet: departments, employees.")
            errors.append(RowError(line_at(offset), message, name))
            continue
        seen.add(name)
        if not isinstance(value, list):
            errors.append(RowError(line_at(offset), _("Liste erwartet."), name))
            continue
        kind = JSON_SECTIONS[name]
        for index, (element_offset, element) in enumerate(value):
            record = Record(kind, line_at(element_offset), f"{name}[{index}]", {})
            if not isinstance(element, dict):
                errors.append(record.error(_("Objekt erwartet.")))
                continue
            for key, item in element.items():
                if key in FIELDS[kind]:
                    record.values[key] = item
                else:
                    errors.append(record.error(_("Unbekanntes Feld."), key))
            records.append(record)
    return records, errors


def _scan_json(text: str) -> list[tuple[str, int, Any]]:
    """Decode the top-level object into (key, offset, value) triples. The sections' arrays come
    as lists of (offset, element), so every element can be reported by its line."""
    decoder = json.JSONDecoder()

    def expect(pos: int, char: str) -> int:
        pos = _skip_whitespace(text, pos)
        if not text.startswith(char, pos):
            raise json.JSONDecodeError(_("„%(char)s“ erwartet") % {"char": char}, text, pos)
        return _skip_whitespace(text, pos + 1)

    pos = expect(0, "{")
    sections: list[tuple[str, int, Any]] = []
    while not text.startswith("}", pos):
        if sections:
            pos = expect(pos, ",")
        key_offset = pos
        key, pos = decoder.raw_decode(text, pos)
        if not isinstance(key, str):
            raise json.JSONDecodeError(
                _("Schlüssel in Anführungszeichen erwartet"), text, key_offset
            )
        pos = expect(pos, ":")
        if key in JSON_SECTIONS and text.startswith("[", pos):
            value, pos = _scan_json_array(text, pos, decoder)
        else:
            value, pos = decoder.raw_decode(text, pos)
        sections.append((key, key_offset, value))
        pos = _skip_whitespace(text, pos)
    pos = _skip_whitespace(text, pos + 1)
    if pos != len(text):
        raise json.JSONDecodeError(_("Unerwarteter Inhalt nach dem Ende"), text, pos)
    return sections


def _scan_json_array(
    text: str, pos: int, decoder: json.JSONDecoder
) -> tuple[list[tuple[int, Any]], int]:
    items: list[tuple[int, Any]] = []
    pos = _skip_whitespace(text, pos + 1)
    while not text.startswith("]", pos):
        if items:
            if not text.startswith(",", pos):
                raise json.JSONDecodeError(_("„,“ oder „]“ erwartet"), text, pos)
            pos = _skip_whitespace(text, pos + 1)
        element, end = decoder.raw_decode(text, pos)
        items.append((pos, element))
        pos = _skip_whitespace(text, end)
    return items, pos + 1


def _skip_whitespace(text: str, pos: int) -> int:
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


# --- Validating -----------------------------------------------------------------------------


@dataclass
class _Database:
    """The current state the file is compared with, read in a handful of queries."""

    departments: dict[str, Department]  # by _key(short_code)
    parents: dict[str, str | None]  # _key(code) -> _key(parent's code)
    department_codes: dict[int, str]  # pk -> _key(short_code)
    employees: dict[str, Employee]  # by personnel_number (employees that have one)
    usernames: dict[str, Employee]  # by _key(username)
    skills: dict[int, set[str]]  # employee pk -> skill names


def _read_database(*, with_skills: bool) -> _Database:
    departments = list(Department.objects.all())
    by_path = {department.path: department for department in departments}
    parents: dict[str, str | None] = {}
    for department in departments:
        parent = by_path.get(department.path[: -Department.steplen])
        parents[_key(department.short_code)] = _key(parent.short_code) if parent else None
    employees = list(Employee.objects.all())
    skills: dict[int, set[str]] = {}
    if with_skills:
        content_type = ContentType.objects.get_for_model(Employee)
        tagged = TaggedItem.objects.filter(content_type=content_type)
        for object_id, name in tagged.values_list("object_id", "tag__name"):
            skills.setdefault(object_id, set()).add(name)
    return _Database(
        departments={_key(department.short_code): department for department in departments},
        parents=parents,
        department_codes={department.pk: _key(department.short_code) for department in departments},
        employees={e.personnel_number: e for e in employees if e.personnel_number},
        usernames={_key(employee.username): employee for employee in employees},
        skills=skills,
    )


def _is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _clean_record(record: Record) -> list[RowError]:
    """Replace the record's values by clean, typed ones; returns what is wrong with them."""
    errors = [
        record.error(_("Pflichtfeld fehlt."), name)
        for name in REQUIRED[record.kind]
        if _is_empty(record.values.get(name))
    ]
    cleaned = {}
    for name, raw in record.values.items():
        if _is_empty(raw) and (name in KEEP_WHEN_EMPTY or name in REQUIRED[record.kind]):
            continue
        try:
            cleaned[name] = _clean_value(record.kind, name, raw)
        except ValidationError as exc:
            errors.extend(record.error(message, name) for message in exc.messages)
    record.values = cleaned
    return errors


def _clean_value(kind: str, name: str, raw: Any) -> Any:
    if name == "position":
        if isinstance(raw, str) and re.fullmatch(r"\s*[0-9]{1,9}\s*", raw):
            return int(raw)
        if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < 10**9:
            return raw
        raise ValidationError(_("Ganze Zahl ab 0 erwartet."))
    if name == "active":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in BOOLEAN_WORDS:
            return BOOLEAN_WORDS[raw.strip().lower()]
        raise ValidationError(_("ja/nein, 1/0 oder true/false erwartet."))
    if name == "skills":
        return _clean_skills(raw)
    if raw is not None and not isinstance(raw, str):
        raise ValidationError(_("Text erwartet."))
    text = (raw or "").strip()
    if name in ("parent", "department"):
        return text or None
    if name == "code" and any(char.isspace() for char in text):
        raise ValidationError(_("Kürzel ohne Leerzeichen erwartet."))
    return MODEL_FIELDS[kind][name].clean(text, None)


def _clean_skills(raw: Any) -> list[str]:
    if raw is None:
        return []
    names = raw.split(SKILL_SEPARATOR) if isinstance(raw, str) else raw
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValidationError(_("Liste von Texten oder durch | getrennter Text erwartet."))
    try:
        return services.clean_tags(
            names, field="skills", max_count=int(settings.WILMA["MAX_SKILLS"])
        )
    except InvalidInput as exc:
        raise ValidationError([m for messages in exc.fields.values() for m in messages]) from exc


def _check_unique(
    records: Iterable[Record], name: str, key: Callable[[str], str] = str
) -> list[RowError]:
    first: dict[str, Record] = {}
    errors = []
    for record in records:
        value = record.values.get(name)
        if value is None:
            continue
        other = first.setdefault(key(value), record)
        if other is not record:
            message = _("%(value)s kommt schon in Zeile %(line)d vor.")
            errors.append(record.error(message % {"value": value, "line": other.line}, name))
    return errors


def _check_known_codes(records: Iterable[Record], name: str, known: set[str]) -> list[RowError]:
    message = _("Unbekannte Organisationseinheit %(code)s (weder in der Datei noch im System).")
    return [
        record.error(message % {"code": code}, name)
        for record in records
        if (code := record.values.get(name)) and _key(code) not in known
    ]


def _check_usernames(employees: Iterable[Record], db: _Database) -> list[RowError]:
    """A username may only move to a person when nobody else in the database holds it."""
    errors = []
    for record in employees:
        username, number = record.values.get("username"), record.values.get("personnel_number")
        holder = db.usernames.get(_key(username)) if username else None
        if number and holder is not None and holder.personnel_number != number:
            message = _("Der Benutzername %(username)s gehört schon jemand anderem (%(holder)s).")
            holder_number = holder.personnel_number or _("ohne Personalnummer")
            values = {"username": holder.username, "holder": holder_number}
            errors.append(record.error(message % values, "username"))
    return errors


def _final_parents(departments: Iterable[Record], db: _Database) -> dict[str, str | None]:
    """Every unit's parent (by key) once the file is applied; a unit the file leaves without a
    `parent` keeps its current one."""
    parents = dict(db.parents)
    for record in departments:
        code = record.values.get("code")
        if code is None:
            continue
        if "parent" in record.values:
            parent = record.values["parent"]
            parents[_key(code)] = _key(parent) if parent else None
        else:
            parents.setdefault(_key(code), None)
    return parents


def _tree_depths(parents: dict[str, str | None]) -> tuple[dict[str, int], list[list[str]]]:
    """The depth of every unit in the tree `parents` describes, and its cycles (each as the
    list of keys going up). Units in or below a cycle get no depth."""
    depths: dict[str, int] = {}
    broken: set[str] = set()
    cycles: list[list[str]] = []
    for start in parents:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in depths and node not in broken and node not in path:
            path.append(node)
            node = parents.get(node)
        if node is not None and node in path:
            cycles.append(path[path.index(node) :])
        if node is not None and node not in depths:
            broken.update(path)
            continue
        depth = depths[node] if node is not None else -1
        for key in reversed(path):
            depth += 1
            depths[key] = depth
    return depths, cycles


def _check_cycles(
    departments: Iterable[Record], cycles: list[list[str]], db: _Database
) -> list[RowError]:
    by_key = {_key(r.values["code"]): r for r in departments if "code" in r.values}
    spelled = {key: department.short_code for key, department in db.departments.items()}
    spelled.update((key, record.values["code"]) for key, record in by_key.items())
    errors = []
    for cycle in cycles:
        for index, key in enumerate(cycle):
            if key in by_key:
                chain = [*cycle[index:], *cycle[:index], key]
                message = _("Zyklus in der Hierarchie (Einheit → übergeordnete): %(chain)s.")
                path = " → ".join(spelled[k] for k in chain)
                errors.append(by_key[key].error(message % {"chain": path}, "parent"))
    return errors


# --- Planning -------------------------------------------------------------------------------


def plan_import(
    records: list[Record], *, deactivate_missing: bool = False, errors: Sequence[RowError] = ()
) -> Plan:
    """Validate `records` (cleaning their values in place) against each other and the database
    and work out the changes. Reads only, in a few queries whatever the file's size. Raises
    ImportFailed with every error found, including the reading `errors` passed in."""
    departments = [record for record in records if record.kind == DEPARTMENT]
    employees = [record for record in records if record.kind == EMPLOYEE]
    if deactivate_missing and not employees:
        # A truncated export must not switch off every account.
        raise ImportFailed(
            [_("--deactivate-missing mit einer Datei ohne Beschäftigte: abgebrochen.")]
        )
    found: list[RowError] = list(errors)
    for record in records:
        found += _clean_record(record)
    db = _read_database(with_skills=any("skills" in record.values for record in employees))
    known = set(db.departments) | {
        _key(r.values["code"]) for r in departments if "code" in r.values
    }
    parents = _final_parents(departments, db)
    depths, cycles = _tree_depths(parents)
    found += _check_unique(departments, "code", _key)
    found += _check_unique(employees, "personnel_number")
    found += _check_unique(employees, "username", _key)
    found += _check_known_codes(departments, "parent", known)
    found += _check_known_codes(employees, "department", known)
    found += _check_usernames(employees, db)
    found += _check_cycles(departments, cycles, db)
    if found:
        found.sort(key=lambda error: error.line)
        raise ImportFailed(found)
    plan = Plan(known_departments=db.departments)
    plan.departments = _plan_departments(departments, parents, db)
    plan.departments.sort(key=lambda change: depths[_key(change.record.values["code"])])
    plan.employees = [
        change for record in employees if (change := _plan_employee(record, db)) is not None
    ]
    if deactivate_missing:
        present = {record.values["personnel_number"] for record in employees}
        plan.deactivate = [
            employee
            for number, employee in sorted(db.employees.items())
            # Site admins are never switched off by an export; an admin does that by hand.
            if employee.is_active and not employee.is_superuser and number not in present
        ]
    return plan


def _plan_departments(
    departments: list[Record], parents: dict[str, str | None], db: _Database
) -> list[DepartmentChange]:
    spelled = {key: department.short_code for key, department in db.departments.items()}
    spelled.update((_key(r.values["code"]), r.values["code"]) for r in departments)
    changes = []
    for record in departments:
        values = record.values
        key = _key(values["code"])
        parent_key = parents[key]
        parent = spelled[parent_key] if parent_key else None
        existing = db.departments.get(key)
        if existing is None:
            fields = {
                "name": values["name"],
                "short_code": values["code"],
                "position": values.get("position", 0),
            }
            changes.append(DepartmentChange(record, None, fields, parent, moved=False))
            continue
        wanted = {"name": values["name"], "short_code": values["code"]}
        if "position" in values:
            wanted["position"] = values["position"]
        fields = {name: value for name, value in wanted.items() if getattr(existing, name) != value}
        moved = parent_key != db.parents[key]
        if fields or moved:
            changes.append(DepartmentChange(record, existing, fields, parent, moved))
    return changes


def _plan_employee(record: Record, db: _Database) -> EmployeeChange | None:
    values = record.values
    fields = {name: values[name] for name in services.PROVISIONED_FIELDS if name in values}
    skills: list[str] | None = values.get("skills")
    active: bool | None = values.get("active")
    existing = db.employees.get(values["personnel_number"])
    if existing is None:
        return EmployeeChange(
            record, None, fields, skills or None, False if active is False else None
        )
    fields = {name: value for name, value in fields.items() if _differs(existing, name, value, db)}
    if skills is not None and set(skills) == db.skills.get(existing.pk, set()):
        skills = None
    if active == existing.is_active:
        active = None
    if not fields and skills is None and active is None:
        return None
    return EmployeeChange(record, existing, fields, skills, active)


def _differs(employee: Employee, name: str, value: Any, db: _Database) -> bool:
    if name != "department":
        return bool(getattr(employee, name) != value)
    current = db.department_codes.get(employee.department_id) if employee.department_id else None
    return current != (_key(value) if value else None)


# --- Applying -------------------------------------------------------------------------------


def apply_plan(plan: Plan) -> None:
    """Write `plan` through the people services in one transaction, departments parents first.
    If any write fails, nothing is written and ImportFailed names the row."""
    if not plan.has_changes:
        return
    departments = dict(plan.known_departments)
    record: Record | None = None
    try:
        with transaction.atomic():
            for department_change in plan.departments:
                record = department_change.record
                department = _apply_department(department_change, departments)
                departments[_key(department.short_code)] = department
            for employee_change in plan.employees:
                record = employee_change.record
                _apply_employee(employee_change, departments)
            record = None
            for employee in plan.deactivate:
                services.set_employee_active(employee=employee, active=False)
    except (ApiError, ValidationError) as exc:
        message = _("Schreiben fehlgeschlagen, nichts wurde geändert: %(error)s")
        text = message % {"error": _describe(exc)}
        raise ImportFailed([record.error(text) if record else text]) from exc


def _apply_department(change: DepartmentChange, departments: dict[str, Department]) -> Department:
    parent = departments[_key(change.parent)] if change.parent else None
    if change.existing is None:
        return services.create_department(parent=parent, **change.fields)
    if change.moved:
        department = services.move_department(department=change.existing, parent=parent)
    else:
        # Earlier moves may have changed this unit's path: update a fresh copy, not a stale one.
        department = Department.objects.get(pk=change.existing.pk)
    if change.fields:
        department = services.update_department(department=department, **change.fields)
    return department


def _apply_employee(change: EmployeeChange, departments: dict[str, Department]) -> None:
    fields = dict(change.fields)
    if fields.get("department"):
        fields["department"] = departments[_key(fields["department"])]
    if change.existing is None:
        employee = services.create_employee(**fields)
    else:
        employee = change.existing
        services.update_employee(employee=employee, **fields)
    if change.skills is not None:
        services.set_skills(employee=employee, skills=change.skills)
    if change.active is not None:
        services.set_employee_active(employee=employee, active=change.active)


def _describe(exc: ApiError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    details = [
        f"{name}: {message}" for name, messages in exc.fields.items() for message in messages
    ]
    return " ".join([exc.message, *details])


def import_people(
    path: Path,
    *,
    file_format: str | None = None,
    dry_run: bool = False,
    deactivate_missing: bool = False,
) -> Plan:
    """Read, validate and plan the import of the export at `path`; unless `dry_run`, apply it in
    one transaction. Raises ImportFailed, having written nothing, if anything is wrong."""
    records, errors = read_file(path, file_format)
    plan = plan_import(records, deactivate_missing=deactivate_missing, errors=errors)
    if not dry_run:
        apply_plan(plan)
    return plan
