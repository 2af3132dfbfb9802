"""`lifecycle demo`: apply a population's stories in date order, sweeping monthly.

Each story has at most one command in flight, so a batch (saved in one transaction) never
holds two commands of one holder; a story's next command is generated from the result of
its previous one.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from datetime import date

from sqlalchemy import select

from aggregates.fiscal_calendar import fiscal_year
from lifecycle.demo.population import Population
from projections.report import fiscal_year_report
from projections.tables import holders

SWEEP = -1


def first_days_of_months(start: date, until: date):
    day = date(start.year, start.month, 1)
    while day <= until:
        yield day
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def run(app, population: Population, *, batch: int = 200, on_progress=None) -> Counter:
    """Apply every story up to `population.until`; returns the count of each result code."""
    outcomes: Counter = Counter()
    stories = population.stories()
    order = itertools.count()
    heap: list = []

    def push(index: int, item) -> None:
        when, command = item
        if when <= population.until:
            heapq.heappush(heap, (when, next(order), index, command))
        else:
            stories[index].close()

    for index, story in enumerate(stories):
        push(index, next(story))
    for day in first_days_of_months(date(2015, 5, 1), population.until):
        heapq.heappush(heap, (day, next(order), SWEEP, {"type": "sweep", "as_of": day.isoformat()}))

    while heap:
        taken = []
        while heap and len(taken) < batch:
            if heap[0][2] == SWEEP and taken:
                break  # what came before the sweep is saved first
            taken.append(heapq.heappop(heap))
            if taken[-1][2] == SWEEP:
                break
        commands = [item[3] for item in taken]
        actors = ["scheduler" if item[2] == SWEEP else f"demo:{item[3]['holder']}"
                  for item in taken]
        results = app.execute_many(commands, actors=actors, today=population.until)
        for (_when, _seq, index, _command), result in zip(taken, results, strict=True):
            outcomes["ok" if result["ok"] else result["error"]["code"]] += 1
            if index == SWEEP:
                continue
            try:
                push(index, stories[index].send(result))
            except StopIteration:
                pass
        if on_progress is not None:
            on_progress(len(taken), taken[-1][0])
    return outcomes


def summary(engine, on: date) -> dict:
    """From the read models: counts per qualification × status on `on`, and the holder with
    the longest history (the timeline worth showing)."""
    counts: Counter = Counter()
    for code, item in fiscal_year_report(engine, fiscal_year(on), on)["qualifications"].items():
        for status, n in item["statuses"].items():
            counts[(code, status)] = n
    with engine.connect() as conn:
        longest = conn.execute(select(holders.c.holder_number)
                               .order_by(holders.c.version.desc(), holders.c.holder_number)
                               .limit(1)).scalar()
    return {"counts": counts, "timeline_holder": longest}


def summary_from_events(app, numbers, on: date) -> Counter:
    """The same counts, holder by holder from the event store (the check of the above)."""
    counts: Counter = Counter()
    for number in numbers:
        for code, q in app.status(number, on)["qualifications"].items():
            counts[(code, q["status"])] += 1
    return counts
