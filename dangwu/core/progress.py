"""What the status pages of a background task read from its row: finished, and how far (0–100).

A mixin for the models that record a task's run (roster imports and exports, dues assessment
runs): they name their counters in `progress_fields` (done, total).
"""

from __future__ import annotations


class TaskProgress:
    status: str
    progress_fields: tuple[str, str] = ("processed_rows", "total_rows")
    # A failed roster import wrote nothing: its bar is full. A failed assessment run keeps its
    # committed batches and resumes: its bar shows how far it got.
    failed_is_complete: bool = True

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.status == "done" or (self.failed_is_complete and self.status == "failed"):
            return 100
        done, total = (getattr(self, name) for name in self.progress_fields)
        if not total:
            return 0
        return min(99, int(done * 100 / total))
