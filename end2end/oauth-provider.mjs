// A real OAuth 2.0 / OpenID Connect provider for the tests (panva's oidc-provider, with
// its development login and consent pages), standing in for Google and GitHub on
// 127.0.0.1. Gatehouse is configured with both provider names pointing here.
//
// Any login and password are accepted; the login decides who you are:
//   "ann@example.com"             -> subject "ann@example.com", that address, verified
//   "unverified:ann@example.com"  -> the address, NOT verified by the provider
//   "noemail:ann"                 -> no address at all
// The consent page's "[ Cancel ]" link denies consent (error=access_denied).
//
// Besides the OIDC endpoints (/auth, /token, /me), it answers GitHub's API shape:
// GET /user and GET /user/emails with the access token it issued.
//
// Usage: node oauth-provider.mjs PORT REDIRECT_URI[,REDIRECT_URI...]
// With PORT 0 the system picks a free port; the first line on stdout names it
// ("listening on PORT"), so parallel tests never race for one.

import http from 'node:http';
import Provider from 'oidc-provider';

const redirectUris = (process.argv[3] ?? process.env.OAUTH_REDIRECT_URIS ?? '').split(',').filter(Boolean);
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(process.argv[2] ?? process.env.OAUTH_PORT ?? 4100), '127.0.0.1', resolve);
});
const port = server.address().port;
const issuer = `http://127.0.0.1:${port}`;

function claimsFor(accountId) {
  let login = accountId;
  let verified = true;
  let hasEmail = true;
  if (login.startsWith('unverified:')) {
    verified = false;
    login = login.slice('unverified:'.length);
  } else if (login.startsWith('noemail:')) {
    hasEmail = false;
    login = login.slice('noemail:'.length);
  }
  const handle = login.split('@')[0].replace(/[^A-Za-z0-9._-]/g, '') || 'user';
  const claims = {
    sub: accountId,
    name: handle.charAt(0).toUpperCase() + handle.slice(1),
    preferred_username: handle,
    picture: `${issuer}/avatars/${handle}.png`,
  };
  if (hasEmail) {
    claims.email = login;
    claims.email_verified = verified;
  }
  return claims;
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'gatehouse-test',
      client_secret: 'gatehouse-test-secret',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // Refuse any authorization request without PKCE (S256).
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'picture', 'preferred_username'],
  },
  conformIdTokenClaims: false,
  findAccount: async (_ctx, accountId) => ({
    accountId,
    claims: async () => claimsFor(accountId),
  }),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['gatehouse-test-cookie-key'] },
  ttl: { AccessToken: 600, AuthorizationCode: 120, Interaction: 600, Session: 600, Grant: 600 },
});
provider.proxy = false;

// The profile pictures the claims point at: one small PNG (a 1x1 grey pixel).
const avatar = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoaAAAAoIBgQ6bZr0AAAAASUVORK5CYII=',
  'base64',
);
provider.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path.startsWith('/avatars/')) {
    ctx.type = 'image/png';
    ctx.body = avatar;
    return undefined;
  }
  return next();
});

// GitHub's REST API shape, backed by the tokens this provider issued.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'GET' || !['/user', '/user/emails'].includes(ctx.path)) {
    return next();
  }
  const auth = ctx.get('authorization');
  const value = auth.replace(/^(Bearer|token)\s+/i, '');
  const token = value ? await provider.AccessToken.find(value) : undefined;
  if (!token) {
    ctx.status = 401;
    ctx.body = { message: 'Bad credentials' };
    return undefined;
  }
  const claims = claimsFor(token.accountId);
  if (ctx.path === '/user') {
    ctx.body = {
      id: Buffer.from(token.accountId).toString('hex'),
      login: claims.preferred_username,
      name: claims.name,
      avatar_url: claims.picture,
      email: null,
    };
  } else {
    ctx.body = claims.email ? [{ email: claims.email, primary: true, verified: claims.email_verified }] : [];
  }
  return undefined;
});

server.on('request', provider.callback());
console.log(`listening on ${port}`);
