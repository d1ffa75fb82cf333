"""service.web.health: when a worker counts as ready to answer queries."""

from __future__ import annotations

import pytest

from service.web.health import is_ready


def test_a_worker_holding_recovered_partitions_is_ready() -> None:
    assert is_ready(assigned_partitions=4, rebalancing=False, tables_recovered=True)


@pytest.mark.parametrize(
    ("assigned", "rebalancing", "recovered"),
    [(0, False, True), (4, True, True), (4, False, False)],
    ids=["no partitions", "rebalancing", "tables still recovering"],
)
def test_a_worker_is_not_ready_until_it_holds_partitions_and_has_recovered(
    assigned: int, rebalancing: bool, recovered: bool
) -> None:
    assert not is_ready(assigned, rebalancing, recovered)
