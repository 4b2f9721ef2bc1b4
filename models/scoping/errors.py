"""What the scoping services raise; messages never contain personal data."""

from __future__ import annotations

from pathlib import Path


class ScopingError(ValueError):
    """The file or the mapping cannot be imported. Messages never contain personal data."""


class RowsRejected(ScopingError):
    """Some rows were rejected and ``accept_rejected`` was not given: nothing was written."""

    def __init__(self, rejected: int, rows: int, report_path: Path):
        super().__init__(f"{rejected} of {rows} rows rejected; nothing was imported. Row report: {report_path} "
                         "(fix the rows, or pass accept_rejected to import the others)")
        self.rejected, self.rows, self.report_path = rejected, rows, report_path
