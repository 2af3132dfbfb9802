"""`lifecycle credential issue|status-list|verify` on both stores: a credential verifies
offline with its status list (the same after the read models are rebuilt); an altered one,
one signed by a stranger's key, one that does not follow the schema, one suspended, and one
past its period each fail with one line; one signed before a key rotation still verifies,
with the old key (joserfc agrees)."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from joserfc.errors import BadSignatureError

from lifecycle.credentials import did_key, jose
from lifecycle.credentials.issuing import signed
from lifecycle.keys import KeyRing
from tests.integration import cli_driver as cli

from .credentials_support import Api, schema_errors, verified_payload

NUMBER = "CAP-2027-00001"


@pytest.fixture
def api(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LIFECYCLE_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("LIFECYCLE_PUBLIC_URL", "https://registry.example.jp")
    monkeypatch.setenv("LIFECYCLE_AUDIT_RATE", "0")
    api = Api(db_url, tmp_path / "keys", date(2028, 4, 30))
    api.certify_all()
    yield api
    api.close()


def run(api, *args: str):
    return cli._invoke(["--db", api.settings.database_url, "credential", *args])


def issued(api, tmp_path, name: str = "cred.jwt", on: str = "2028-04-30"):
    path = tmp_path / name
    result = run(api, "issue", NUMBER, "--as-of", on, "-o", str(path))
    assert result.exit_code == 0, result.output
    return path


def status_file(api, tmp_path, on: str, name: str = "status.jwt"):
    path = tmp_path / name
    result = run(api, "status-list", "CAP-2027", "--as-of", on, "-o", str(path))
    assert result.exit_code == 0, result.output
    return path


def verify(api, path, *extra: str, on: str = "2028-04-30"):
    result = run(api, "verify", str(path), "--as-of", on, *extra)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.output
    return result.exit_code, lines[0]


def test_an_issued_credential_verifies_offline_with_its_status_list(api, tmp_path):
    path = issued(api, tmp_path)
    code, line = verify(api, path, "--status-list", str(status_file(api, tmp_path, "2028-04-30")))
    assert code == 0, line
    assert line.startswith(f"valid: {NUMBER} (CAP), 2027-04-01 to 2030-03-31")
    assert line.endswith("status in good standing on 2028-04-30")
    assert verify(api, path)[1].endswith("status not checked (no status list given)")
    assert schema_errors(verified_payload(path.read_text().strip(), api.ring.active().raw)[1]) \
        == []


def test_a_suspended_credential_fails_on_the_list_of_the_day(api, tmp_path):
    path = issued(api, tmp_path)
    api.run([cli.discipline("suspend", "C01", "CAP", "2028-05-01")])
    on_day = status_file(api, tmp_path, "2028-05-01", "day.jwt")
    code, line = verify(api, path, "--status-list", str(on_day), on="2028-05-01")
    assert code == 1
    assert line == ("invalid: the certification is suspended, revoked or lapsed (status list "
                    "https://registry.example.jp/credentials/status/CAP-2027, entry 1, on "
                    "2028-05-01)")
    rebuilt = cli._invoke(["--db", api.settings.database_url, "projections", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    again = status_file(api, tmp_path, "2028-05-01", "rebuilt.jwt")  # the same entry, set
    assert verify(api, path, "--status-list", str(again), on="2028-05-01") == (code, line)
    before = status_file(api, tmp_path, "2028-04-30", "before.jwt")
    code, line = verify(api, path, "--status-list", str(before), on="2028-05-01")
    assert (code, line) == (1, "invalid: the status list expired at 2028-04-30T23:59:59+09:00")
    refused = run(api, "issue", NUMBER, "--as-of", "2028-05-01")
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["error"]["code"] == "SUSPENDED"


def _tampered(token: str, change) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims)
    body = jose.b64url(json.dumps(claims, ensure_ascii=False).encode())
    return f"{header}.{body}.{signature}"


def test_an_altered_credential_fails(api, tmp_path):
    path = issued(api, tmp_path)

    def extend(claims):
        claims["validUntil"] = "2033-03-31T23:59:59+09:00"

    forged = tmp_path / "forged.jwt"
    forged.write_text(_tampered(path.read_text().strip(), extend))
    code, line = verify(api, forged)
    assert code == 1
    assert line.startswith("invalid: the credential's signature does not verify with the "
                           f"body's key {api.ring.active_id}")
    with pytest.raises(BadSignatureError):
        verified_payload(forged.read_text(), api.ring.active().raw)
    forged.write_text("not.a credential")
    assert verify(api, forged) == (1, "invalid: the credential cannot be read: it is not a "
                                      "compact JWS (three dot-separated parts)")


def test_a_credential_signed_by_another_key_or_off_schema_fails(api, tmp_path):
    token = issued(api, tmp_path).read_text().strip()
    _, payload = verified_payload(token, api.ring.active().raw)
    stranger = KeyRing.init(tmp_path / "stranger")
    stolen = {**payload, "issuer": {**payload["issuer"],
                                    "id": did_key.did_of(stranger.active().raw)}}
    other = tmp_path / "other.jwt"
    other.write_text(signed(stolen, stranger))
    code, line = verify(api, other)
    assert (code, line) == (1, f"invalid: the credential is signed by key {stranger.active_id}, "
                               "which is not one of the body's keys")
    broken = {**payload, "credentialSubject": {
        k: v for k, v in payload["credentialSubject"].items() if k != "achievement"}}
    off_schema = tmp_path / "off.jwt"
    off_schema.write_text(signed(broken, api.ring))
    code, line = verify(api, off_schema)
    assert code == 1
    assert line == ("invalid: the credential does not follow the Open Badges 3.0 schema at "
                    "credentialSubject: 'achievement' is a required property")
    code, line = verify(api, tmp_path / "other.jwt", on="2030-04-01")
    assert code == 1  # the key is checked before the period
    code, line = verify(api, issued(api, tmp_path, "late.jwt"), on="2030-04-01")
    assert (code, line) == (1, "invalid: the credential expired at 2030-03-31T23:59:59+09:00")


def test_a_credential_signed_before_a_key_rotation_still_verifies(api, tmp_path):
    old = issued(api, tmp_path, "old.jwt")
    old_key = api.ring.active()
    rotated = api.ring.rotate()
    new = issued(api, tmp_path, "new.jwt")
    kids = [json.loads(base64.urlsafe_b64decode(p.read_text().split(".")[0] + "==")).get("kid")
            for p in (old, new)]
    assert kids == [did_key.verification_method(k.raw) for k in (old_key, rotated.active())]
    listed = status_file(api, tmp_path, "2028-04-30")  # signed with the new key
    for path in (old, new):
        code, line = verify(api, path, "--status-list", str(listed))
        assert code == 0, line
    verified_payload(old.read_text().strip(), old_key.raw)  # joserfc, the old key
    with pytest.raises(BadSignatureError):
        verified_payload(old.read_text().strip(), rotated.active().raw)
    # A verifier away from the office pins the published list instead of the key directory.
    published = tmp_path / "keys.json"
    published.write_text(api.get("/credentials/issuer").text)
    (tmp_path / "keys").rename(tmp_path / "moved")
    code, line = verify(api, old, "--keys", str(published))
    assert code == 0, line
    result = run(api, "verify", str(old))
    assert result.exit_code == 2 and "--keys" in result.output
