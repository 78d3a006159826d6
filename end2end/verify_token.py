"""Verifies a Gatehouse access token the way another service would: with a standard JWT
library (PyJWT) and nothing but the published JWKS document.

Usage: python3 verify_token.py JWKS_URL TOKEN ISSUER AUDIENCE [LEEWAY_SECONDS]
Prints the verified claims as JSON; exits 1 (with the reason on stderr) when refused.
"""

import json
import sys

import jwt


def main() -> int:
    jwks_url, token, issuer, audience = sys.argv[1:5]
    leeway = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    client = jwt.PyJWKClient(jwks_url)
    try:
        key = client.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["EdDSA"],
            issuer=issuer,
            audience=audience,
            leeway=leeway,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as e:
        print(f"refused: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        print("refused: not an access token", file=sys.stderr)
        return 1
    print(json.dumps(claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
