"""The shared model configuration and field types every contract uses."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION = 1

# Ids travel as Kafka keys and SQLite primary keys: keep them short, printable and unambiguous.
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$")]
NonBlank = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, pattern=r"\S")]
Score = Annotated[float, Field(ge=0.0, le=1.0)]


class Contract(BaseModel):
    """Base of every wire model: immutable, unknown fields rejected, JSON round-trips exactly."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_timedelta="float")
