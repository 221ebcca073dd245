"""`linli grant_app_role ROLE`: the application's PostgreSQL role gets rows-only privileges (AC-07); run as the owner."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from linli.core import dbroles


class Command(BaseCommand):
    help = (
        "Grant an existing PostgreSQL role what the application needs (rows of every table, only new rows of the "
        "audit log, no DDL) and check it. Run as the schema's owner after every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the application connects as (create it first, with LOGIN)")
        parser.add_argument("--check", action="store_true", help="only check the role's privileges")

    def handle(self, *args, role, check, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are PostgreSQL's; SQLite has none.")
        if not dbroles.ROLE_NAME.fullmatch(role):
            raise CommandError(f"Not a plain role name (lower-case letters, digits, _): {role!r}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            if cursor.fetchone()[0] == role:
                raise CommandError(
                    "Run this as the owner (the migration role), not as the application's role."
                )
        with transaction.atomic():
            if not check:
                dbroles.grant(role)
            found = dbroles.problems(role)
        if found:
            raise CommandError("; ".join(found))
        self.stdout.write(f"{role}: rows of every table, only new rows of the audit log, no DDL.")
