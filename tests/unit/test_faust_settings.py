"""service.stream.app.faust_settings: what Faust is told about this worker."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.settings import Settings
from service.stream.app import faust_settings


def test_the_canonical_url_is_the_configured_one_not_the_bind_address() -> None:
    settings = Settings(web_host="0.0.0.0", web_port=6066, canonical_url="http://worker-2:6066")

    conf = faust_settings(settings)

    assert (conf["web_bind"], conf["canonical_url"]) == ("0.0.0.0", "http://worker-2:6066")


def test_without_one_the_canonical_url_is_the_web_host_and_port() -> None:
    settings = Settings(web_host="127.0.0.1", web_port=7001)

    conf = faust_settings(settings)

    assert conf["canonical_url"] == "http://127.0.0.1:7001"


def test_a_canonical_url_must_be_scheme_host_and_port() -> None:
    with pytest.raises(ValidationError):
        Settings(canonical_url="worker-2:6066")
