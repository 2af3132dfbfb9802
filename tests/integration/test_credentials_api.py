"""The credential and status list the API publishes, on both stores, checked with libraries
independent of ours: the Open Badges 3.0 schema (jsonschema, the issue's copy of the
schema), the signature (joserfc), the bitstring (gzip by hand); no personal data in them."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from lifecycle.credentials import did_key
from tests.integration import cli_driver as cli

from .credentials_support import (
    NUMBERS,
    PUBLIC_URL,
    SYSTEM,
    Api,
    bits_of,
    schema_errors,
    set_entries,
    verified_payload,
)


@pytest.fixture
def api(db_url, tmp_path):
    api = Api(db_url, tmp_path / "keys", date(2028, 4, 30))
    api.certify_all()
    yield api
    api.close()


def test_the_credential_is_an_ob3_achievement_credential_signed_by_the_body(api):
    token = api.credential("CAP-2027-00001")
    active = api.ring.active()
    header, payload = verified_payload(token, active.raw)
    assert schema_errors(payload) == []
    did = did_key.did_of(active.raw)
    assert header == {"alg": "EdDSA", "typ": "vc+jwt", "kid": f"{did}#{did[8:]}"}
    assert did.startswith("did:key:z6Mk")  # the multicodec prefix of an Ed25519 key
    assert (payload["issuer"]["id"], payload["iss"]) == (did, did)
    assert payload["issuer"]["name"] == api.settings.body_name
    assert "AchievementCredential" in payload["type"]
    assert (payload["validFrom"], payload["validUntil"]) == (
        "2027-04-01T00:00:00+09:00", "2030-03-31T23:59:59+09:00")
    subject = payload["credentialSubject"]
    assert subject["licenseNumber"] == "CAP-2027-00001"
    assert subject["achievement"]["name"] == "コンタクトセンターアーキテクチャ"
    assert subject["achievement"]["criteria"]["narrative"]
    identity = subject["identifier"][0]
    digest = hashlib.sha256((cli.TARO.email + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${digest}"
    assert payload["credentialStatus"] == {
        "id": f"{PUBLIC_URL}/credentials/status/CAP-2027#1",
        "type": "BitstringStatusListEntry", "statusPurpose": "suspension",
        "statusListIndex": "1", "statusListCredential": f"{PUBLIC_URL}/credentials/status/CAP-2027"}


def test_no_email_name_kana_or_reason_leaves_in_what_is_published(api):
    api.run([cli.discipline("suspend", "C02", "CAP", "2028-04-30", reason="内部番号 X-77")])
    published = [api.credential("CAP-2027-00001"), api.status_list(),
                 api.get("/credentials/issuer").text]
    texts = [t for token in published[:2] for t in [token, str(
        verified_payload(token, api.ring.active().raw)[1])]] + published[2:]
    for secret in [*cli.TARO.secrets(), *cli.HANAKO.secrets(), "X-77", "今田"]:
        assert not any(secret in text for text in texts), secret


def test_a_system_token_gets_the_credential_as_signed(api):
    """The `system` role's redaction rewrites JSON answers: a signed token must pass as is
    (the issuer's and the achievement's `name` would otherwise be nulled)."""
    answer = api.get("/credentials/CAP-2027-00001/credential", token=SYSTEM)
    assert answer.status_code == 200
    _, payload = verified_payload(answer.text, api.ring.active().raw)
    assert payload["credentialSubject"]["achievement"]["name"] == "コンタクトセンターアーキテクチャ"


def test_the_status_bit_follows_suspension_reinstatement_revocation_and_lapse(api):
    def bits_on(day: str, name: str = "CAP-2027") -> list[int]:
        api.clock.today = date.fromisoformat(day)
        token = api.status_list(name)
        _, payload = verified_payload(token, api.ring.active().raw)
        assert payload["validFrom"] == f"{day}T00:00:00+09:00"
        bits = bits_of(payload)
        assert len(bits) * 8 == 131_072  # the specification's minimum
        return set_entries(bits)

    assert bits_on("2028-04-30") == []
    api.run([cli.discipline("suspend", "C01", "CAP", "2028-05-01")], date(2028, 4, 30))
    assert bits_on("2028-04-30") == []  # recorded ahead: effective from its date
    assert bits_on("2028-05-01") == [1]
    refused = api.get("/credentials/CAP-2027-00001/credential")
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "SUSPENDED")
    api.run([cli.discipline("reinstate", "C01", "CAP", "2028-07-01")])
    assert bits_on("2028-07-01") == []
    api.run([cli.discipline("revoke", "C02", "CAP", "2028-09-01")], date(2028, 9, 1))
    assert bits_on("2028-09-01") == [2]
    assert api.get(f"/credentials/{NUMBERS['C02']}/credential").json()["error"]["code"] == (
        "REVOKED")
    assert bits_on("2030-03-31") == [2]
    assert bits_on("2030-04-01") == [1, 2, 3]  # C01 and C03 never renewed: lapsed
    assert api.get("/credentials/CAP-2027-00003/credential").json()["error"]["code"] == (
        "LAPSED")
    # A new first certification replaces C03's lapsed number; the old entry stays set.
    api.run(cli.certification_batch("C03", "CAP", "P31-000603", issued_on="2031-06-15",
                                     filed_on="2031-09-01", paid_on="2031-09-03",
                                     decided_on="2031-10-01", person=cli.ICHIRO, ref="B-C03-2"),
            date(2031, 10, 1))
    assert bits_on("2032-04-01") == [1, 2, 3]
    assert bits_on("2032-04-01", "CAP-2032") == []
    assert api.get("/credentials/CAP-2032-00001/credential").status_code == 200


def test_unknown_numbers_and_lists_are_not_found(api):
    for path in ("/credentials/CAP-2027-00009/credential", "/credentials/SV-2027-00001/credential",
                 "/credentials/status/SV-2027", "/credentials/status/CAP-27"):
        answer = api.get(path)
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "NOT_CERTIFIED")


def test_without_a_key_directory_the_credential_routes_are_unavailable(api, tmp_path):
    for path in (api.key_dir / "active", *api.key_dir.glob("*.pub")):
        path.unlink()
    for path in ("/credentials/CAP-2027-00001/credential", "/credentials/status/CAP-2027",
                 "/credentials/issuer"):
        answer = api.get(path)
        assert (answer.status_code, answer.json()["error"]["code"]) == (503, "UNAVAILABLE")
        assert str(tmp_path) not in answer.text


def test_the_hot_path_answers_what_the_route_answers(api):
    def salted_away(token: str) -> dict:
        _, payload = verified_payload(token, api.ring.active().raw)
        del payload["id"], payload["jti"], payload["credentialSubject"]["identifier"]
        return payload

    ours, theirs = (api.get("/credentials/CAP-2027-00001/credential", routes_only=flag)
                    for flag in (False, True))
    assert (ours.status_code, ours.headers["content-type"]) == (
        theirs.status_code, theirs.headers["content-type"])
    assert ours.headers["cache-control"] == "no-store"
    assert salted_away(ours.text) == salted_away(theirs.text)
    api.run([cli.discipline("suspend", "C02", "CAP", "2028-04-30")])
    paths = ["/credentials/CAP-2027-00002/credential", "/credentials/CAP-2027-99999/credential",
             "/credentials/status/credential", "/credentials/issuer/credential",
             "/credentials//credential"]
    for path in paths:
        ours, theirs = api.get(path), api.get(path, routes_only=True)
        assert (ours.status_code, ours.content) == (theirs.status_code, theirs.content), path
    (api.key_dir / "active").unlink()
    ours, theirs = (api.get("/credentials/CAP-2027-00001/credential", routes_only=flag)
                    for flag in (False, True))
    assert (ours.status_code, ours.content) == (theirs.status_code, theirs.content)
    assert ours.json()["error"]["code"] == "UNAVAILABLE"
