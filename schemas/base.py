"""The shared model configuration and field types every contract uses."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION = 1

# Ids travel as Kafka keys and SQLite primary keys: keep them short, printable and unambiguous.
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$")]
NonBlank = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, pattern=r"\S")]
Score = Annotated[float, Field(ge=0.0, le=1.0)]

# Text people wrote: no control characters (C0 other than tab, newline and carriage return;
# DEL; C1). They are never part of a news text and break terminals, logs and downstream tools.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
Text = Annotated[str, StringConstraints(pattern=rf"^[^{_CONTROL}]*$")]
NonBlankText = Annotated[
    str, StringConstraints(pattern=rf"^[^{_CONTROL}]*[^\s{_CONTROL}][^{_CONTROL}]*$")
]


class Contract(BaseModel):
    """Base of every wire model: immutable, unknown fields rejected, JSON round-trips exactly."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_timedelta="float")
