"""liveblog-ingest: live news coverage in, a deduplicated record of who said what out."""

__version__ = "0.1.0"
