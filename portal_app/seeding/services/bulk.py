"""Writing a generated office fast: executemany on SQLite, COPY on PostgreSQL, one transaction.

The rows come as plain tuples in a fixed column order (generator.py); a column
the generator does not name (one a later version adds) gets its model default.
The ORM is bypassed on purpose: a million audit rows through the unit of work
take many minutes, through the driver seconds.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum

from sqlalchemy import DateTime, Table
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from portal_app.seeding.services.generator import Batch, Row

PART = 10_000  # rows per driver call: the progress bar moves between them


def _models() -> dict[str, type[SQLModel]]:
    found: dict[str, type[SQLModel]] = {}
    pending: list[type[SQLModel]] = [SQLModel]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        table = getattr(cls, "__table__", None)
        if isinstance(table, Table):
            found[table.name] = cls
    return found


def _sqlite_text(value: object) -> object:
    # the text SQLAlchemy's SQLite dialect writes, so reads and comparisons match the app's own rows
    return value.isoformat(" ", "microseconds") if isinstance(value, datetime) else value


def _copy_text(value: object) -> str:
    """One field of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


class BulkWriter:
    """Writes batches on one open connection (the caller's transaction) and reports rows written."""

    def __init__(self, connection: Connection, *, anchor: datetime, on_rows: Callable[[str, int], None]) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.anchor = anchor
        self.on_rows = on_rows
        self.models = _models()
        self.tables_written: list[str] = []

    def _defaults(self, table: Table, given: tuple[str, ...]) -> tuple[tuple[str, ...], Row]:
        """The columns the batch leaves out, with the value a new model instance would get."""
        model = self.models.get(table.name)
        names: list[str] = []
        values: list[object] = []
        for column in table.columns:
            if column.name in given:
                continue
            field = model.model_fields.get(column.name) if model is not None else None
            value = field.get_default(call_default_factory=True) if field is not None else None
            if isinstance(value, datetime):
                value = self.anchor  # not the clock: the same seed gives the same rows
            if value is None and not column.nullable and column.server_default is None:
                raise ValueError(f"{table.name}.{column.name} needs a value the generator does not give")
            if value is not None:
                names.append(column.name)
                values.append(value)
        return tuple(names), tuple(values)

    def write(self, batch: Batch) -> None:
        if not batch.rows:
            return
        table = SQLModel.metadata.tables[batch.table]
        extra_names, extra_values = self._defaults(table, batch.columns)
        columns = batch.columns + extra_names
        if batch.table not in self.tables_written:
            self.tables_written.append(batch.table)
        for start in range(0, len(batch.rows), PART):
            part = batch.rows[start : start + PART]
            if extra_values:
                part = [row + extra_values for row in part]
            if self.postgres:
                self._copy(batch.table, columns, part)
            else:
                self._executemany(table, columns, part)
            self.on_rows(batch.table, len(part))

    def _executemany(self, table: Table, columns: tuple[str, ...], rows: list[Row]) -> None:
        # sqlite3 takes ints, strings (StrEnums too) and bools as they are; only datetimes need a text
        times = [i for i, name in enumerate(columns) if isinstance(table.columns[name].type, DateTime)]
        plain: list[Row] | list[list[object]] = rows
        if times:
            converted: list[list[object]] = []
            for row in rows:
                values = list(row)
                for i in times:
                    values[i] = _sqlite_text(values[i])
                converted.append(values)
            plain = converted
        marks = ", ".join("?" for _ in columns)
        statement = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({marks})'
        self.connection.exec_driver_sql(statement, plain)

    def _copy(self, table: str, columns: tuple[str, ...], rows: list[Row]) -> None:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_text(value) for value in row))
            buffer.write("\n")
        buffer.seek(0)
        cursor = self.connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.copy_expert(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN', buffer)
        finally:
            cursor.close()

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids given here (the next ORM insert must not collide)."""
        if not self.postgres:
            return
        for table in self.tables_written:
            if "id" not in SQLModel.metadata.tables[table].columns:
                continue
            self.connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"
            )
