"""`manage.py import_people FILE`: provision departments and employees from an HR export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from people.importing import FORMATS, ImportFailed, import_people


class Command(BaseCommand):
    help = (
        "Legt Organisationseinheiten und Beschäftigte aus einem HR-Export (CSV oder JSON) an "
        "und aktualisiert sie. Schreibt nur, wenn die ganze Datei gültig ist. "
        "Format und Verhalten: docs/import.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="FILE", type=Path, help="CSV- oder JSON-Datei")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=FORMATS,
            help="Dateiformat, sonst aus der Endung (.csv, .json)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="nur anzeigen, was sich ändern würde; nichts schreiben",
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="Beschäftigte mit Personalnummer, die in der Datei fehlen, deaktivieren "
            "(nur bei einem vollständigen Export)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Import the file (writes unless --dry-run); on any error write nothing, list every
        error on stderr and exit with status 1."""
        try:
            plan = import_people(
                options["path"],
                file_format=options["file_format"],
                dry_run=options["dry_run"],
                deactivate_missing=options["deactivate_missing"],
            )
        except ImportFailed as exc:
            if len(exc.errors) == 1:
                raise CommandError(exc.errors[0] + " " + _("Nichts wurde geschrieben.")) from None
            for error in exc.errors:
                self.stderr.write(error)
            message = _("%(count)d Fehler in der Datei (siehe oben). Nichts wurde geschrieben.")
            raise CommandError(message % {"count": len(exc.errors)}) from None
        if options["dry_run"] or options["verbosity"] >= 2:
            for line in plan.details():
                self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write(_("Probelauf, nichts wurde geschrieben."))
        self.stdout.write(plan.summary())
