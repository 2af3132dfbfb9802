"""API tokens: the `name:role:token` configuration and who a presented token is."""

from __future__ import annotations

import pytest

from lifecycle.http.auth import Principal, Tokens
from lifecycle.settings import SettingsError

READER = "r" * 24
CLERK = "c" * 24


def test_tokens_from_the_variable_and_the_file_name_their_role(tmp_path):
    path = tmp_path / "tokens"
    path.write_text(f"# office tools\nmailing:reader:{READER}\n\n", encoding="utf-8")
    tokens = Tokens.from_env({"LIFECYCLE_API_TOKENS": f" desk:clerk:{CLERK} ",
                              "LIFECYCLE_API_TOKENS_FILE": str(path)})
    assert len(tokens) == 2
    assert tokens.identify(READER) == Principal("mailing", "reader")
    assert tokens.identify(CLERK) == Principal("desk", "clerk")
    assert tokens.identify(CLERK).actor == "api:desk"


def test_a_token_may_contain_colons_and_an_unknown_one_is_nobody():
    tokens = Tokens.from_env({"LIFECYCLE_API_TOKENS": f"a:reader:{READER}:x,b:clerk:{CLERK}"})
    assert tokens.identify(f"{READER}:x") == Principal("a", "reader")
    assert tokens.identify(READER) is None
    assert tokens.identify("") is None


def test_no_configuration_means_no_token_is_known():
    assert len(Tokens.from_env({})) == 0
    assert Tokens.from_env({}).identify(READER) is None


@pytest.mark.parametrize("entry, complaint", [
    (f"bad name:reader:{READER}", "entry 1"),
    (f"x:admin:{READER}", "role must be one of system, reader, clerk"),
    ("x:reader:short", "at least 16 characters"),
    (f"x:reader:{READER},x:clerk:{CLERK}", "configured twice"),
    (f"x:reader:{READER},y:clerk:{READER}", "the same as another"),
])
def test_a_bad_entry_is_refused_without_showing_the_token(entry, complaint):
    with pytest.raises(SettingsError) as raised:
        Tokens.from_env({"LIFECYCLE_API_TOKENS": entry})
    assert complaint in str(raised.value)
    assert READER not in str(raised.value) and CLERK not in str(raised.value)


def test_an_unreadable_tokens_file_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="cannot read"):
        Tokens.from_env({"LIFECYCLE_API_TOKENS_FILE": str(tmp_path / "missing")})
