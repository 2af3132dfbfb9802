"""The relay's SMTP settings from the environment (LIFECYCLE_SMTP_*, LIFECYCLE_MAIL_FROM)."""

import pytest

from lifecycle.settings import Settings, SettingsError


def test_no_host_means_no_relay_and_starttls_on_587_by_default():
    smtp = Settings.from_env({}).smtp
    assert (smtp.host, smtp.security, smtp.port, smtp.user) == (None, "starttls", 587, None)


def test_implicit_tls_defaults_to_465_and_an_explicit_port_wins():
    assert Settings.from_env({"LIFECYCLE_SMTP_SECURITY": "tls"}).smtp.port == 465
    assert Settings.from_env({"LIFECYCLE_SMTP_SECURITY": "TLS",
                              "LIFECYCLE_SMTP_PORT": "2465"}).smtp.port == 2465


def test_the_password_comes_from_a_file_and_never_shows_in_the_settings(tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret-value\n", encoding="utf-8")
    settings = Settings.from_env({"LIFECYCLE_SMTP_HOST": "mail.example.jp",
                                  "LIFECYCLE_SMTP_USER": "office",
                                  "LIFECYCLE_SMTP_PASSWORD_FILE": str(secret)})
    assert settings.smtp.password == "s3cret-value"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize("env, words", [
    ({"LIFECYCLE_SMTP_SECURITY": "ssl3"}, "LIFECYCLE_SMTP_SECURITY"),
    ({"LIFECYCLE_SMTP_PORT": "smtp"}, "LIFECYCLE_SMTP_PORT"),
    ({"LIFECYCLE_SMTP_PASSWORD_FILE": "/nonexistent/pw"}, "LIFECYCLE_SMTP_PASSWORD_FILE"),
])
def test_a_bad_setting_is_refused_by_name(env, words):
    with pytest.raises(SettingsError, match=words):
        Settings.from_env(env)
