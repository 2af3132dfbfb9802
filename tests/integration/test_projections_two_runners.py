"""Two long-lived catch-up runners on one read model (a follower and `apply`, say) take turns
without folding on from states the other has moved past."""

from __future__ import annotations

from lifecycle.bootstrap import open_read_engine
from projections import queries
from projections.runner import Runner
from tests.integration.test_store import TODAY, _app, _certified, _cpd


def test_runners_taking_turns_keep_the_read_model_exact(db_url):
    app = _app(db_url)
    engine = open_read_engine(app.settings)
    first, second = Runner(app, engine), Runner(app, engine)
    _certified(app)
    first.catch_up()
    for i, runner in enumerate([second, first, second, first]):
        assert app.execute(_cpd("H0001", f"e{i}"), actor="t", today=TODAY)["ok"]
        runner.catch_up()
    shown = queries.holder_status(engine, "H0001", TODAY)
    assert shown == app.status("H0001", TODAY)
    assert shown["qualifications"]["CAP"]["cpd"]["logged"] == "4"
