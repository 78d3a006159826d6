"""Signs a person in to Gatehouse from Python with authlib (PyPI), as an app would:
discovery, the authorization code flow with PKCE, ID token validation, userinfo,
refresh, introspection and revocation; then the refusals an attacker meets. The person's
part (login and consent) is done with plain HTTP, as a browser without JavaScript does.

Run by tests/provider.spec.ts against the test server; the environment names the
issuer, the registered clients and the person.
"""

import os
import secrets
import sys
import time
import urllib.parse

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

ISSUER = os.environ["ISSUER"]
REDIRECT = os.environ["REDIRECT_URI"]
USER = os.environ["USERNAME"]
PASSWORD = os.environ["PASSWORD"]

meta = requests.get(f"{ISSUER}/.well-known/openid-configuration", timeout=10).json()
assert meta["issuer"] == ISSUER, meta
JWKS = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())


def check(condition, what):
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok - {what}")


def client(client_id, secret=None, **kw):
    return OAuth2Session(
        client_id,
        secret,
        scope=kw.pop("scope", "openid profile email offline_access"),
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        **kw,
    )


def browser_login():
    """A browser session logged in to Gatehouse (the plain-form login)."""
    browser = requests.Session()
    res = browser.post(
        f"{ISSUER}/fn/login",
        data={"login": USER, "password": PASSWORD, "next": "/profile"},
        headers={"Origin": ISSUER, "Accept": "text/html"},
        allow_redirects=False,
    )
    assert res.status_code in (302, 303), (res.status_code, res.text[:300])
    return browser


def authorize(session, browser, consent="allow", **params):
    """Runs the browser's part; returns (callback query, verifier, nonce)."""
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **params
    )
    res = browser.get(url, allow_redirects=False)
    while res.status_code in (302, 303) and not res.headers["Location"].startswith(REDIRECT):
        location = res.headers["Location"]
        if location.startswith("/authorize/consent"):
            res = browser.post(
                f"{ISSUER}/oauth2/consent",
                data={"decision": consent},
                headers={"Origin": ISSUER, "Accept": "text/html"},
                allow_redirects=False,
            )
        elif location.startswith("/login"):
            raise AssertionError(f"not logged in: {location}")
        else:
            res = browser.get(urllib.parse.urljoin(ISSUER, location), allow_redirects=False)
    assert res.status_code in (302, 303), (res.status_code, res.text[:300])
    callback = res.headers["Location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
    assert query.get("state") == state, query
    assert query.get("iss") == ISSUER, query
    return callback, verifier, nonce


def validate_id_token(token, client_id, nonce):
    claims = jwt.decode(
        token,
        JWKS,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": ISSUER}},
        claims_params={"nonce": nonce, "client_id": client_id},
    )
    claims.validate()
    return claims


def token_error(call):
    try:
        call()
    except OAuthError as e:
        return e.error
    return None


def main():
    cid, secret = os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]
    browser = browser_login()

    # The confidential app: consent, code exchange with PKCE, ID token, userinfo.
    app = client(cid, secret)
    callback, verifier, nonce = authorize(app, browser)
    tokens = app.fetch_token(
        meta["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    claims = validate_id_token(tokens["id_token"], cid, nonce)
    check(claims["email"] == os.environ["EMAIL"], "the ID token validates and carries the email")
    check(claims["amr"] == ["pwd"] and "auth_time" in claims, "amr and auth_time are in it")
    info = app.get(meta["userinfo_endpoint"]).json()
    check(info["sub"] == claims["sub"], "userinfo answers for the same subject")
    old_refresh = tokens["refresh_token"]
    refreshed = app.refresh_token(meta["token_endpoint"], refresh_token=old_refresh)
    check(refreshed["refresh_token"] != old_refresh, "the refresh token rotates")
    live = app.introspect_token(meta["introspection_endpoint"], token=refreshed["access_token"]).json()
    check(live["active"] is True and live["sub"] == claims["sub"], "introspection: active")
    app.revoke_token(meta["revocation_endpoint"], token=refreshed["refresh_token"])
    dead = app.introspect_token(meta["introspection_endpoint"], token=refreshed["access_token"]).json()
    check(dead == {"active": False}, "a revoked grant's token is refused by introspection")

    # The nonce: the library refuses an ID token made for another sign-in.
    callback, verifier, nonce = authorize(client(cid, secret), browser)
    app = client(cid, secret)
    tokens = app.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    try:
        validate_id_token(tokens["id_token"], cid, "another-nonce")
        check(False, "a nonce mismatch is caught")
    except Exception as e:  # authlib 1.9 raises joserfc's InvalidClaimError
        check("nonce" in str(e), f"a nonce mismatch is caught by authlib ({e})")

    # prompt=none: straight through with a session, login_required without one.
    callback, _, _ = authorize(client(cid, secret), browser, prompt="none")
    check("code=" in callback, "prompt=none with a session gives a code")
    _, _, _ = None, None, None
    url, _ = client(cid, secret).create_authorization_url(
        meta["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48), prompt="none"
    )
    res = requests.get(url, allow_redirects=False)
    check("error=login_required" in res.headers.get("Location", ""), "prompt=none without a session: login_required")

    # Consent denied.
    fresh = requests.Session()
    fresh.cookies.update(browser.cookies)
    other_scope = client(cid, secret, scope="openid profile email offline_access")
    callback, _, _ = authorize(other_scope, browser, prompt="consent", consent="deny")
    check("error=access_denied" in callback, "consent denied: access_denied")

    # Refusals: a wrong redirect URI gets a page, never a redirect.
    bad = OAuth2Session(cid, secret, scope="openid", redirect_uri="https://evil.example/cb")
    url, _ = bad.create_authorization_url(meta["authorization_endpoint"])
    res = browser.get(url, allow_redirects=False)
    check(res.status_code == 400 and "Location" not in res.headers, "wrong redirect URI: an error page")

    # Missing and wrong PKCE verifiers.
    callback, verifier, _ = authorize(client(cid, secret), browser)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))["code"]
    err = token_error(lambda: client(cid, secret).fetch_token(meta["token_endpoint"], code=code))
    check(err == "invalid_grant", "a missing code_verifier is refused")
    err = token_error(lambda: client(cid, secret).fetch_token(meta["token_endpoint"], code=code, code_verifier=secrets.token_urlsafe(48)))
    check(err == "invalid_grant", "a wrong code_verifier is refused")

    # A code from another client, then a replayed code.
    other = client(os.environ["OTHER_CLIENT_ID"], os.environ["OTHER_CLIENT_SECRET"])
    err = token_error(lambda: other.fetch_token(meta["token_endpoint"], code=code, code_verifier=verifier))
    check(err == "invalid_grant", "a code from another client is refused")
    first = client(cid, secret)
    tokens = first.fetch_token(meta["token_endpoint"], code=code, code_verifier=verifier)
    err = token_error(lambda: client(cid, secret).fetch_token(meta["token_endpoint"], code=code, code_verifier=verifier))
    check(err == "invalid_grant", "a replayed code is refused")
    dead = first.introspect_token(meta["introspection_endpoint"], token=tokens["access_token"]).json()
    check(dead == {"active": False}, "... and what it issued was revoked")

    # A bad client secret.
    callback, verifier, _ = authorize(client(cid, secret), browser)
    err = token_error(lambda: client(cid, "not-the-secret").fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier))
    check(err == "invalid_client", "a bad client secret is refused")

    # The public app: PKCE is required, no secret.
    pid = os.environ["PUBLIC_CLIENT_ID"]
    no_pkce = OAuth2Session(pid, scope="openid", redirect_uri=REDIRECT)
    url, _ = no_pkce.create_authorization_url(meta["authorization_endpoint"])
    res = browser.get(url, allow_redirects=False)
    check("error=invalid_request" in res.headers.get("Location", ""), "a public app without PKCE is refused")
    public = client(pid, scope="openid")
    callback, verifier, nonce = authorize(public, browser)
    tokens = public.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    validate_id_token(tokens["id_token"], pid, nonce)
    check("refresh_token" not in tokens, "the public app signs in with PKCE alone")

    # An expired code: sixty seconds, then never (the one slow step, so it is last).
    callback, verifier, _ = authorize(client(cid, secret), browser)
    time.sleep(61)
    err = token_error(lambda: client(cid, secret).fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier))
    check(err == "invalid_grant", "an expired code is refused")

    print("all authlib flows passed")


main()
