"""What the producer knows about a source document before parsing it (DocumentMeta)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from schemas.base import Contract, Id, NonBlank
from schemas.entries import DocumentKind

# Entry ids are f"{document_id}:{12 hex}" plus an optional ".N" collision suffix; keeping document
# ids at most 180 characters keeps every entry id inside the 200-character Id pattern.
DOCUMENT_ID_MAX = 180

# A plain file name inside the seeds directory: no separators, so a manifest cannot point outside.
SeedFileName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")]


class DocumentMeta(Contract):
    """Identity and timing of one document (a live blog or an article)."""

    document_id: Id = Field(max_length=DOCUMENT_ID_MAX)
    outlet: NonBlank
    kind: DocumentKind
    published: AwareDatetime = Field(description="When the document (its oldest entry) appeared.")
    updated: AwareDatetime | None = Field(
        default=None, description="Live blogs only: when the newest entry (top of page) appeared."
    )

    @model_validator(mode="after")
    def _updated_matches_kind(self) -> Self:
        if self.kind is DocumentKind.LIVEBLOG:
            if self.updated is None:
                raise ValueError("a liveblog needs 'updated' (time of its newest entry)")
            if self.updated < self.published:
                raise ValueError("'updated' must not be earlier than 'published'")
        elif self.updated is not None:
            raise ValueError("'updated' is only meaningful for a liveblog")
        return self


class SeedDocument(DocumentMeta):
    """One row of seeds/manifest.json: a document's metadata plus the file holding its text."""

    file: SeedFileName

    def meta(self) -> DocumentMeta:
        return DocumentMeta.model_validate(self.model_dump(exclude={"file"}))
