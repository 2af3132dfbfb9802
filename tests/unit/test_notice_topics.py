"""The notices projection decodes only the events `notice_of` has a case for: a case added
without its topic would never see its events."""

from __future__ import annotations

import inspect
import re

from projections import notices


def test_every_event_notice_of_matches_is_decoded_and_nothing_else():
    cases = set(re.findall(r"case ev\.(\w+)\(", inspect.getsource(notices.notice_of)))
    assert cases == {cls.__name__ for cls in notices.NOTICED}
    assert len(notices.NOTICED_TOPICS) == len(notices.NOTICED)
