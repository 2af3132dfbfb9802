"""Settings from the environment beyond the relay's (test_smtp_settings.py)."""

import pytest

from lifecycle.settings import Settings, SettingsError


def test_sweep_jobs_are_a_small_count_of_processes():
    assert Settings.from_env({"LIFECYCLE_SWEEP_JOBS": "2"}).sweep_jobs == 2
    assert Settings.from_env({}).sweep_jobs is None  # one per core, decided where it runs
    with pytest.raises(SettingsError, match="LIFECYCLE_SWEEP_JOBS"):
        Settings.from_env({"LIFECYCLE_SWEEP_JOBS": "two"})
