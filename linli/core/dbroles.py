"""The application's own PostgreSQL role (AC-07): rows in, rows out, nothing else.

Migrations run as the owner of the schema (the migration role). The application connects as a role that may read
and write rows but holds no DDL, no TRUNCATE and no superuser, and that may only add rows to the audit log (and
null its actor when a user is deleted, which the append-only trigger allows) — the daily purge goes through the
owner's ``linli_audit_purge`` function. Run ``linli grant_app_role ROLE`` as the owner after every migrate."""

from __future__ import annotations

import re

from django.db import connection

from .models import AuditEntry

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
READ_ONLY_TABLES = ("django_migrations",)  # the application checks the applied migrations, never records one


def _audit_table() -> str:
    return AuditEntry._meta.db_table


ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def grant(role: str) -> None:
    """Give ``role`` what the application needs on this database's public schema, and take back the rest."""
    if not ROLE_NAME.fullmatch(role):
        raise ValueError(f"not a plain role name (lower-case letters, digits, _): {role!r}")
    qn = connection.ops.quote_name
    r, audit_table = qn(role), qn(_audit_table())
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_user")
        database, owner = cursor.fetchone()
        statements = [
            f"GRANT CONNECT, TEMPORARY ON DATABASE {qn(database)} TO {r}",
            f"GRANT USAGE ON SCHEMA public TO {r}",
            f"REVOKE CREATE ON SCHEMA public FROM {r}",
            f"GRANT {', '.join(TABLE_PRIVILEGES)} ON ALL TABLES IN SCHEMA public TO {r}",
            f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {r}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
            # Tables that later migrations create get the same rows-only privileges without a new run.
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {qn(owner)} IN SCHEMA public "
            f"GRANT {', '.join(TABLE_PRIVILEGES)} ON TABLES TO {r}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {qn(owner)} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
            f"REVOKE UPDATE, DELETE ON {audit_table} FROM {r}",
            f"GRANT UPDATE (actor_id) ON {audit_table} TO {r}",
            f"GRANT EXECUTE ON FUNCTION linli_audit_purge(bigint) TO {r}",
            *(f"REVOKE INSERT, UPDATE, DELETE ON {qn(t)} FROM {r}" for t in READ_ONLY_TABLES),
        ]
        for statement in statements:
            cursor.execute(statement)


def problems(role: str) -> list[str]:
    """What ``role`` may do that the application must not, or lacks that it needs; empty when it is right."""
    audit_table = _audit_table()
    found: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication FROM pg_roles "
            "WHERE rolname = %s",
            [role],
        )
        row = cursor.fetchone()
        if row is None:
            return [f"no role {role}"]
        for held, name in zip(
            row, ("SUPERUSER", "CREATEDB", "CREATEROLE", "BYPASSRLS", "REPLICATION"), strict=True
        ):
            if held:
                found.append(f"{role} has {name}")
        cursor.execute("SELECT has_schema_privilege(%s, 'public', 'CREATE')", [role])
        if cursor.fetchone()[0]:
            found.append(f"{role} may create objects in the public schema")
        cursor.execute(
            "SELECT has_column_privilege(%s, %s, 'actor_id', 'UPDATE'), "
            "has_function_privilege(%s, 'linli_audit_purge(bigint)', 'EXECUTE')",
            [role, audit_table, role],
        )
        may_null_actor, may_purge = cursor.fetchone()
        if not may_null_actor:
            found.append(f"{role} may not null the actor of {audit_table} (a deleted user's rows)")
        if not may_purge:
            found.append(f"{role} may not run linli_audit_purge (the daily purge)")
        cursor.execute(
            "SELECT c.relname, has_table_privilege(%s, c.oid, 'SELECT'), has_table_privilege(%s, c.oid, 'INSERT'), "
            "has_table_privilege(%s, c.oid, 'UPDATE'), has_table_privilege(%s, c.oid, 'DELETE'), "
            "has_table_privilege(%s, c.oid, 'TRUNCATE'), pg_get_userbyid(c.relowner) = %s "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [role] * 6,
        )
        for table, select, insert, update, delete, truncate, owns in cursor.fetchall():
            if owns:
                found.append(f"{role} owns {table}")
            wanted = {"SELECT": True, "INSERT": True, "UPDATE": True, "DELETE": True, "TRUNCATE": False}
            if table == audit_table:
                wanted.update(UPDATE=False, DELETE=False)
            elif table in READ_ONLY_TABLES:
                wanted.update(INSERT=False, UPDATE=False, DELETE=False)
            held = {
                "SELECT": select,
                "INSERT": insert,
                "UPDATE": update,
                "DELETE": delete,
                "TRUNCATE": truncate,
            }
            for privilege, want in wanted.items():
                if held[privilege] != want:
                    found.append(f"{role} {'lacks' if want else 'has'} {privilege} on {table}")
    return found
