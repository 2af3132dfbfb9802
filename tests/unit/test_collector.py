"""Replaying runners pace the garbage collector, and give the process its own pace back
when the last of them finishes, whatever order they finish in."""

import gc

from projections.collector import PAGE_GC_THRESHOLDS, fewer_collections


def test_thresholds_are_raised_while_any_runner_replays_and_restored_after():
    own = (555, 7, 9)
    saved = gc.get_threshold()
    gc.set_threshold(*own)
    try:
        first, second = fewer_collections(), fewer_collections()
        first.__enter__()
        assert gc.get_threshold() == PAGE_GC_THRESHOLDS
        second.__enter__()
        first.__exit__(None, None, None)  # the first to start finishes first
        assert gc.get_threshold() == PAGE_GC_THRESHOLDS
        second.__exit__(None, None, None)
        assert gc.get_threshold() == own
    finally:
        gc.set_threshold(*saved)


def test_thresholds_are_restored_when_the_replay_fails():
    saved = gc.get_threshold()
    try:
        with fewer_collections():
            raise KeyError("page")
    except KeyError:
        pass
    assert gc.get_threshold() == saved
