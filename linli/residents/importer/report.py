"""What an import found and did."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing to fix: the row as Excel numbers it (the header is row 1), the column's header, what is wrong."""

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did (or, on a dry run or with problems, would do)."""

    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    residents_unchanged: int = 0
    units_created: int = 0
    tags_added: int = 0
    tags_removed: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self, *, problem_limit: int | None = None) -> dict:
        """For an API answer or a page: the counts, and the first ``problem_limit`` problems (all when None)."""
        shown = self.problems if problem_limit is None else self.problems[:problem_limit]
        return {
            "rows": self.rows,
            "ok": self.ok,
            "committed": self.committed,
            "households_created": self.households_created,
            "households_updated": self.households_updated,
            "households_unchanged": self.households_unchanged,
            "residents_created": self.residents_created,
            "residents_updated": self.residents_updated,
            "residents_unchanged": self.residents_unchanged,
            "units_created": self.units_created,
            "tags_added": self.tags_added,
            "tags_removed": self.tags_removed,
            "problem_count": len(self.problems),
            "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in shown],
        }
