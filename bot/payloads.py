"""What a notice row carries: one pydantic model per notice kind, declared with its handler.

Ids and small facts, never rendered text (a notice renders current data when it goes out). A
notice is queued with an instance of its kind's model and its handler is handed one, validated
again from the row, so a renamed field fails at once, in a test, instead of as a KeyError in
the middle of the night; a row that does not fit (written by another version) is failed with
the reason and surfaces like any failed notice.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class NoticePayload(BaseModel):
    """What one kind of notice carries in its row (JSON), declared with its handler."""

    # Rows outlive deployments: a field this version does not know is an error, not ignored.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def row(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
