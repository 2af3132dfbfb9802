"""Open Badges 3.0 credentials of a certification, signed by the body, and the Bitstring
Status List that says whether each is in good standing today (docs/credentials.md).

`did_key` names a signing key as a `did:key`; `jose` signs and opens compact JWS (VC-JOSE);
`achievement` shapes the AchievementCredential; `status_list` the status list; `issuing`
issues both from the store; `verifying` checks a credential offline.
"""
