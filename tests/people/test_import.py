"""`manage.py import_people`: HR provisioning of departments and employees from CSV and JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people import services
from people.models import Department, Employee
from tests.factories import EmployeeFactory
from wilma.errors import InvalidInput

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

FIXTURES = Path(__file__).parent / "fixtures_import"
NOTHING_CHANGED = (
    "Abteilungen: 0 neu, 0 geändert, 0 verschoben · "
    "Beschäftigte: 0 neu, 0 geändert, 0 reaktiviert, 0 deaktiviert"
)
EXPECTED_DEPARTMENTS = {
    "KVR": ("Kreisverwaltungsreferat", None, 1),
    "KVR-I": ("Hauptabteilung I Sicherheit und Ordnung", "KVR", 1),
    "KVR-I-1": ("Sachgebiet Veranstaltungen", "KVR-I", 1),
    "RBS": ("Referat für Bildung und Sport", None, 2),
}
ERIKA = {
    "username": "erika.mustermann",
    "first_name": "Erika",
    "last_name": "Mustermann",
    "email": "erika.mustermann@muenchen.example",
    "job_title": "Sachbearbeitung Veranstaltungen",
    "department": "KVR-I-1",
    "location": "Ruppertstraße 19",
    "room": "A 2.17",
    "phone": "+49 89 233-12345",
    "skills": ["Python", "Verwaltungsrecht"],
    "is_active": True,
}


def run(path: Path, *args: str) -> tuple[str, str]:
    """Call the command; returns (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_people", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(path: Path, *args: str) -> tuple[str, str]:
    """Call the command expecting it to refuse; returns (CommandError message, stderr)."""
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_people", str(path), *args, stdout=io.StringIO(), stderr=err)
    return str(excinfo.value), err.getvalue()


def people_json() -> dict[str, Any]:
    return json.loads((FIXTURES / "people.json").read_text(encoding="utf-8"))


def write_json(tmp_path: Path, data: dict[str, Any], name: str = "export.json") -> Path:
    """Write one element per line: with both sections, departments[i] is on line i + 3 and
    employees[j] on line len(departments) + 5 + j."""
    lines = ["{"]
    for index, (key, elements) in enumerate(data.items()):
        lines.append(f'"{key}": [')
        lines += [json.dumps(e, ensure_ascii=False) + "," for e in elements]
        if elements:
            lines[-1] = lines[-1].rstrip(",")
        lines.append("]," if index < len(data) - 1 else "]")
    lines.append("}")
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def departments_state() -> dict[str, tuple[str, str | None, int]]:
    assert Department.objects.find_problems() == ([], [], [], [], [])
    return {
        d.short_code: (
            d.name,
            getattr(Department.objects.get_parent(d), "short_code", None),
            d.position,
        )
        for d in Department.objects.all()
    }


def employee_state(personnel_number: str) -> dict[str, Any]:
    employee = Employee.objects.select_related("department").get(personnel_number=personnel_number)
    state = {
        name: getattr(employee, name) for name in ERIKA if name not in ("department", "skills")
    }
    state["department"] = employee.department.short_code if employee.department else None
    state["skills"] = sorted(employee.skills.names())
    return state


def writes(queries: CaptureQueriesContext) -> list[str]:
    """The import's own writes (the search index queue, which every change feeds, aside)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
        and "search_indextask" not in q["sql"]
    ]


# --- Creating from good files -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["people.json", "people.csv", "people_comma.csv"])
def test_good_file_creates_tree_and_employees(name):
    out, err = run(FIXTURES / name)

    assert "Abteilungen: 4 neu, 0 geändert, 0 verschoben" in out
    assert "Beschäftigte: 3 neu, 0 geändert, 0 reaktiviert, 0 deaktiviert" in out
    assert err == ""
    assert departments_state() == EXPECTED_DEPARTMENTS
    assert employee_state("100234") == ERIKA
    assert employee_state("100235")["skills"] == []
    assert employee_state("200001")["department"] == "RBS"
    assert not Employee.objects.get(personnel_number="100234").has_usable_password()


@pytest.mark.parametrize("name", ["people.json", "people.csv", "people_comma.csv"])
def test_rerun_of_the_same_file_changes_and_writes_nothing(name):
    run(FIXTURES / name)

    with CaptureQueriesContext(connection) as queries:
        out, _err = run(FIXTURES / name, "-v", "2")

    assert out.strip() == NOTHING_CHANGED
    assert writes(queries) == []
    # Departments, employees, the skills' content type and the skills: not a query per row.
    assert len(queries) <= 4


def test_verbose_run_lists_every_change_with_its_line():
    out, _err = run(FIXTURES / "people.json", "-v", "2")

    assert "Abteilung neu: KVR-I-1 „Sachgebiet Veranstaltungen“ unter KVR-I (Zeile 3)" in out
    assert "Beschäftigte*r neu: 100234 erika.mustermann (Zeile 9)" in out
    # Parents are created before their children, whatever the order in the file.
    assert out.index("Abteilung neu: KVR ") < out.index("Abteilung neu: KVR-I ")
    assert out.index("Abteilung neu: KVR-I ") < out.index("Abteilung neu: KVR-I-1 ")


def test_new_employee_marked_inactive_is_created_inactive(tmp_path):
    data = people_json()
    data["employees"][0]["active"] = False

    run(write_json(tmp_path, data))

    assert Employee.objects.get(personnel_number="100234").is_active is False


# --- Updating ---------------------------------------------------------------------------------


def test_update_writes_only_the_changed_fields(tmp_path):
    run(FIXTURES / "people.json")
    data = people_json()
    data["employees"][0]["email"] = "erika.mustermann@muenchen.de"

    with CaptureQueriesContext(connection) as queries:
        out, _err = run(write_json(tmp_path, data), "-v", "2")

    assert "Beschäftigte: 0 neu, 1 geändert" in out
    assert "Beschäftigte*r geändert: 100234 erika.mustermann: email (Zeile 9)" in out
    [update] = writes(queries)
    assert update.startswith('UPDATE "people_employee" SET "email" = ')
    assert employee_state("100234") == {**ERIKA, "email": "erika.mustermann@muenchen.de"}


def test_update_of_skills_and_department_and_username(tmp_path):
    run(FIXTURES / "people.json")
    data = people_json()
    data["employees"][0].update(
        username="erika.m", department="rbs", skills=["python", "Verwaltungsrecht"]
    )

    out, _err = run(write_json(tmp_path, data), "-v", "2")

    assert "100234 erika.m: username, department, skills" in out
    state = employee_state("100234")
    assert state["username"] == "erika.m"
    assert state["department"] == "RBS"
    assert state["skills"] == ["Verwaltungsrecht", "python"]


def test_fields_left_out_of_the_file_are_kept(tmp_path):
    run(FIXTURES / "people.json")
    data = people_json()
    for key in ("skills", "phone", "active", "department"):
        del data["employees"][0][key]

    out, _err = run(write_json(tmp_path, data))

    assert out.strip() == NOTHING_CHANGED
    assert employee_state("100234") == ERIKA


def test_department_rename_reorder_and_move(tmp_path):
    run(FIXTURES / "people.json")
    data = people_json()
    data["departments"][0]["parent"] = "RBS"  # KVR-I-1
    data["departments"][1]["name"] = "Kreisverwaltungsreferat München"  # KVR
    data["departments"][3]["position"] = 0  # RBS

    out, _err = run(write_json(tmp_path, data), "-v", "2")

    assert "Abteilungen: 0 neu, 2 geändert, 1 verschoben" in out
    assert "Abteilung verschoben: KVR-I-1 unter RBS (Zeile 3)" in out
    assert departments_state() == {
        **EXPECTED_DEPARTMENTS,
        "KVR": ("Kreisverwaltungsreferat München", None, 1),
        "KVR-I-1": ("Sachgebiet Veranstaltungen", "RBS", 1),
        "RBS": ("Referat für Bildung und Sport", None, 0),
    }
    assert employee_state("100234")["department"] == "KVR-I-1"


def test_unit_can_move_below_its_former_child(tmp_path):
    run(FIXTURES / "people.json")
    data = people_json()
    data["departments"][0]["parent"] = None  # KVR-I-1 becomes a root...
    data["departments"][2]["parent"] = "KVR-I-1"  # ...and KVR-I hangs below it.

    run(write_json(tmp_path, data))

    assert departments_state() == {
        **EXPECTED_DEPARTMENTS,
        "KVR-I": ("Hauptabteilung I Sicherheit und Ordnung", "KVR-I-1", 1),
        "KVR-I-1": ("Sachgebiet Veranstaltungen", None, 1),
    }


def test_file_may_refer_to_departments_that_exist_only_in_the_database(tmp_path, org):
    data = {
        "departments": [{"code": "KVR-I-2", "name": "Sachgebiet Gewerbe", "parent": "kvr-i"}],
        "employees": [{"personnel_number": "7", "username": "anna.berg", "department": "KVR"}],
    }

    out, _err = run(write_json(tmp_path, data))

    assert "Abteilungen: 1 neu" in out
    assert departments_state()["KVR-I-2"] == ("Sachgebiet Gewerbe", "KVR-I", 0)
    assert employee_state("7")["department"] == "KVR"


# --- Dry run ----------------------------------------------------------------------------------


def test_dry_run_reports_the_plan_and_writes_nothing():
    with CaptureQueriesContext(connection) as queries:
        out, _err = run(FIXTURES / "people.csv", "--dry-run")

    assert "Abteilung neu: KVR-I-1 „Sachgebiet Veranstaltungen“ unter KVR-I (Zeile 2)" in out
    assert "Probelauf, nichts wurde geschrieben." in out
    assert "Beschäftigte: 3 neu" in out
    assert writes(queries) == []
    assert not Department.objects.exists()
    assert not Employee.objects.exists()


def test_dry_run_of_an_update_writes_nothing(tmp_path):
    run(FIXTURES / "people.json")
    data = people_json()
    data["employees"][0]["job_title"] = "Teamleitung"

    with CaptureQueriesContext(connection) as queries:
        out, _err = run(write_json(tmp_path, data), "--dry-run")

    assert "Beschäftigte*r geändert: 100234 erika.mustermann: job_title (Zeile 9)" in out
    assert writes(queries) == []
    assert employee_state("100234") == ERIKA


# --- Invalid files: every error with its line, nothing written ------------------------------------


def test_invalid_csv_rows_are_all_reported_with_lines_and_nothing_is_written():
    message, err = run_failing(FIXTURES / "invalid.csv")

    assert "7 Fehler" in message
    assert "Nichts wurde geschrieben" in message
    lines = err.splitlines()
    assert lines[0] == "Zeile 1, Feld gehalt: Unbekannte Spalte."
    assert lines[1].startswith("Zeile 2, Feld parent: Zyklus in der Hierarchie")
    assert "KVR → KVR-I → KVR" in lines[1]
    assert lines[2].startswith("Zeile 3, Feld parent: Zyklus")
    assert lines[3] == "Zeile 5, Feld personnel_number: 100234 kommt schon in Zeile 4 vor."
    assert lines[4].startswith("Zeile 6, Feld email: ")
    assert lines[5].startswith("Zeile 7, Feld department: Unbekannte Organisationseinheit XYZ")
    assert lines[6] == "Zeile 8, Feld personnel_number: Pflichtfeld fehlt."
    assert not Department.objects.exists()
    assert not Employee.objects.exists()


def test_invalid_json_elements_are_reported_with_line_and_index(tmp_path):
    data = people_json()
    data["employees"][1]["email"] = "kein-at-zeichen"
    data["employees"][2]["gehalt"] = "A13"
    del data["employees"][2]["username"]
    data["departments"][1]["code"] = "K V R"

    message, err = run_failing(write_json(tmp_path, data))

    assert "Fehler in der Datei" in message
    assert err.splitlines() == [
        "Zeile 4 (departments[1]), Feld code: Kürzel ohne Leerzeichen erwartet.",
        "Zeile 5 (departments[2]), Feld parent: Unbekannte Organisationseinheit KVR "
        "(weder in der Datei noch im System).",
        "Zeile 10 (employees[1]), Feld email: Bitte gültige E-Mail-Adresse eingeben.",
        "Zeile 10 (employees[1]), Feld department: Unbekannte Organisationseinheit KVR "
        "(weder in der Datei noch im System).",
        "Zeile 11 (employees[2]), Feld gehalt: Unbekanntes Feld.",
        "Zeile 11 (employees[2]), Feld username: Pflichtfeld fehlt.",
    ]
    assert not Department.objects.exists()


def test_duplicate_code_and_username_in_file_and_field_too_long(tmp_path):
    data = people_json()
    data["departments"].append({"code": "rbs", "name": "Noch einmal RBS"})
    data["employees"][2]["username"] = "Max.Huber"
    data["employees"][0]["room"] = "R" * 51

    _message, err = run_failing(write_json(tmp_path, data))

    assert "Feld room: " in err
    assert "Zeile 12 (employees[2]), Feld username: Max.Huber kommt schon in Zeile 11 vor." in err
    assert "Zeile 7 (departments[4]), Feld code: rbs kommt schon in Zeile 6 vor." in err


def test_bad_values_for_position_active_and_skills(tmp_path):
    data = people_json()
    data["departments"][0]["position"] = -1
    data["employees"][0]["active"] = "vielleicht"
    data["employees"][1]["skills"] = ["Kommunal, Recht"]
    data["employees"][2]["personnel_number"] = 200001

    _message, err = run_failing(write_json(tmp_path, data))

    assert "Feld position: Ganze Zahl ab 0 erwartet." in err
    assert "Feld active: ja/nein, 1/0 oder true/false erwartet." in err
    assert "Feld skills: Schlagwort zu lang oder mit Komma" in err
    assert "Feld personnel_number: Text erwartet." in err


def test_cycle_through_a_department_only_in_the_database(tmp_path, org):
    data = {
        "departments": [{"code": "KVR", "name": "Kreisverwaltungsreferat", "parent": "KVR-I-1"}]
    }

    message, _err = run_failing(write_json(tmp_path, data))

    assert "KVR → KVR-I-1 → KVR-I → KVR" in message
    assert departments_state()["KVR"][1] is None


def test_username_held_by_an_account_without_personnel_number_is_an_error(tmp_path, admin_user):
    data = {"employees": [{"personnel_number": "1", "username": "ADMIN", "last_name": "Admin"}]}

    message, _err = run_failing(write_json(tmp_path, data))

    assert "Zeile 3 (employees[0]), Feld username: Der Benutzername admin gehört schon" in message
    assert "ohne Personalnummer" in message
    assert Employee.objects.count() == 1


def test_csv_row_with_wrong_cell_count_or_cells_of_the_other_kind(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "kind,code,name,username,personnel_number\n"
        "department,KVR,Kreisverwaltungsreferat,erika,\n"
        "employee,,,max.huber\n"
        "person,,,,\n",
        encoding="utf-8",
    )

    _message, err = run_failing(path)

    assert err.splitlines() == [
        "Zeile 2, Feld username: Gehört nicht zu Zeilen der Art „department“; bitte leer lassen.",
        "Zeile 3: Die Zeile hat 4 Felder, die Kopfzeile 5.",
        "Zeile 4, Feld kind: „department“ oder „employee“ erwartet.",
    ]


def test_csv_line_numbers_count_physical_lines(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        'kind;code;name\n\ndepartment;KVR;"Kreisverwaltungs-\nreferat"\ndepartment;;RBS\n',
        encoding="utf-8",
    )

    message, _err = run_failing(path)

    assert message.startswith("Zeile 5, Feld code: Pflichtfeld fehlt.")


def test_a_failing_write_rolls_back_everything(tmp_path, monkeypatch):
    def fail(**kwargs):
        raise InvalidInput(fields={"skills": ["kaputt"]})

    monkeypatch.setattr(services, "set_skills", fail)

    message, _err = run_failing(FIXTURES / "people.json")

    assert message.startswith("Zeile 9 (employees[0]): Schreiben fehlgeschlagen")
    assert not Department.objects.exists()
    assert not Employee.objects.exists()


# --- Deactivation and reactivation ----------------------------------------------------------------


def test_missing_employees_are_deactivated_only_with_the_flag(admin_user):
    run(FIXTURES / "people.json")
    leaver = EmployeeFactory(personnel_number="100999", username="ehemalig")

    out, _err = run(FIXTURES / "people.json")

    assert out.strip() == NOTHING_CHANGED
    leaver.refresh_from_db()
    assert leaver.is_active

    out, _err = run(FIXTURES / "people.json", "--deactivate-missing", "-v", "2")

    assert "Beschäftigte*r deaktiviert: 100999 ehemalig (fehlt in der Datei)" in out
    assert "0 reaktiviert, 1 deaktiviert" in out
    leaver.refresh_from_db()
    admin_user.refresh_from_db()
    assert not leaver.is_active
    assert admin_user.is_active  # no personnel number: never touched
    assert Employee.objects.filter(personnel_number__isnull=False, is_active=True).count() == 3


def test_deactivate_missing_never_switches_off_a_site_admin(admin_user):
    run(FIXTURES / "people.json")
    admin_user.personnel_number = "900001"
    admin_user.save(update_fields=["personnel_number"])

    run(FIXTURES / "people.json", "--deactivate-missing")

    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_deactivate_missing_with_a_file_without_employees_is_refused(tmp_path):
    run(FIXTURES / "people.json")
    data = {"departments": people_json()["departments"], "employees": []}

    message, _err = run_failing(write_json(tmp_path, data), "--deactivate-missing")

    assert "--deactivate-missing" in message
    assert Employee.objects.filter(is_active=True).count() == 3


def test_deactivated_employee_reappearing_as_active_is_reactivated():
    run(FIXTURES / "people.json")
    erika = Employee.objects.get(personnel_number="100234")
    services.set_employee_active(employee=erika, active=False)

    out, _err = run(FIXTURES / "people.json", "-v", "2")

    assert "Beschäftigte: 0 neu, 0 geändert, 1 reaktiviert, 0 deaktiviert" in out
    assert "Beschäftigte*r reaktiviert: 100234 erika.mustermann (Zeile 9)" in out
    erika.refresh_from_db()
    assert erika.is_active


def test_employee_marked_inactive_in_the_file_is_deactivated(tmp_path):
    run(FIXTURES / "people.json")
    data = people_json()
    data["employees"][0]["active"] = False

    out, _err = run(write_json(tmp_path, data))

    assert "0 reaktiviert, 1 deaktiviert" in out
    assert not Employee.objects.get(personnel_number="100234").is_active


# --- Unreadable files ---------------------------------------------------------------------------


def test_malformed_json_is_a_clear_error(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('{"departments": [\n  {"code": "KVR",}\n]}', encoding="utf-8")

    message, _err = run_failing(path)

    assert message.startswith("Zeile 2: Kein gültiges JSON (Spalte 18)")


def test_json_that_is_not_an_object_is_a_clear_error(tmp_path):
    path = tmp_path / "export.json"
    path.write_text("[1, 2]", encoding="utf-8")

    message, _err = run_failing(path)

    assert message.startswith("Zeile 1: Kein gültiges JSON (Spalte 1): „{“ erwartet")


def test_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("kind;code;name\ndepartment;RBS;Referat für Bildung\n".encode("cp1252"))

    message, _err = run_failing(path)

    assert message == "Zeile 2: Die Datei ist nicht UTF-8-kodiert. Nichts wurde geschrieben."


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b" \n\n"])
def test_empty_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "export.json"
    path.write_bytes(content)

    message, _err = run_failing(path)

    assert message == "Die Datei ist leer. Nichts wurde geschrieben."


def test_csv_without_kind_column_is_a_clear_error(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("code;name\nKVR;Kreisverwaltungsreferat\n", encoding="utf-8")

    message, _err = run_failing(path)

    assert message.startswith("Zeile 1: Die Kopfzeile braucht eine Spalte „kind“.")


def test_format_comes_from_the_extension_or_the_option(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text((FIXTURES / "people.json").read_text(encoding="utf-8"), encoding="utf-8")

    message, _err = run_failing(path)
    assert "--format" in message

    out, _err = run(path, "--format", "json")
    assert "Beschäftigte: 3 neu" in out


def test_missing_file_is_a_clear_error(tmp_path):
    message, _err = run_failing(tmp_path / "fehlt.csv")

    assert message.startswith("Datei nicht lesbar")
