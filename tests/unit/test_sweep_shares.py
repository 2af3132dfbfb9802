"""Each share of a parallel sweep sees exactly its own due holders, page after page."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from aggregates.holder import holder_id
from lifecycle.sweep_jobs import share_of
from projections.shares import owner

ON = date(2030, 1, 1)


def _pages(numbers: list[str], limit: int, index: int, count: int) -> list[str]:
    due = sorted(numbers)

    def find_due(as_of, after, size):
        return [n for n in due if after is None or n > after][:size]

    find = share_of(find_due, index, count)
    seen, after = [], None
    while page := find(ON, after, limit):
        assert len(page) <= limit
        seen += page
        after = page[-1]
    return seen


@given(st.sets(st.integers(0, 99_999), max_size=200), st.integers(1, 7), st.integers(1, 4))
def test_the_shares_split_the_due_holders_exactly(ids, limit, count):
    numbers = [f"S{i:05d}" for i in ids]
    shares = [_pages(numbers, limit, k, count) for k in range(count)]
    assert sorted(n for share in shares for n in share) == sorted(numbers)
    for k, share in enumerate(shares):
        assert all(owner(holder_id(n), count) == k for n in share)
