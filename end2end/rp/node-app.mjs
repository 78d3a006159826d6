// A small web app that signs its users in through Gatehouse with npm's openid-client (a
// certified relying-party library): discovery, PKCE, the code exchange with its ID token
// checks, userinfo, refresh, introspection, revocation and RP-initiated logout. The
// browser tests (tests/provider.spec.ts) drive it in Chromium. One person at a time:
// the pending sign-in and the tokens live in this process.
//
// Environment: ISSUER, CLIENT_ID, CLIENT_SECRET (absent: a public client), PORT.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import * as oidc from 'openid-client';

const issuer = new URL(process.env.ISSUER);
const port = Number(process.env.PORT);
const base = `http://127.0.0.1:${port}`;
const secret = process.env.CLIENT_SECRET || undefined;

// Plain http is allowed only because the test server listens on localhost.
const config = await oidc.discovery(
  issuer,
  process.env.CLIENT_ID,
  secret,
  secret ? oidc.ClientSecretBasic(secret) : oidc.None(),
  { execute: [oidc.allowInsecureRequests] },
);

let pending = null;
let tokens = null;

function page(res, status, id, value) {
  const body = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  const escaped = body.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><title>Acme</title><h1>Acme</h1><pre id="${id}">${escaped}</pre>`);
}

// The single-page app (spa.html) and the library files it imports, from node_modules.
const here = new URL('.', import.meta.url).pathname;
const modules = join(here, '..', 'node_modules');
const shared = ['openid-client/', 'oauth4webapi/', 'jose/dist/webapi/'];

async function spa(res, url) {
  if (url.pathname === '/spa') {
    const settings = JSON.stringify({ issuer: issuer.href.replace(/\/$/, ''), clientId: process.env.CLIENT_ID });
    const html = (await readFile(join(here, 'spa.html'), 'utf8')).replace(
      '<pre id="spa"></pre>',
      `<pre id="spa"></pre><script type="application/json" id="settings">${settings.replace(/</g, '\\u003c')}</script>`,
    );
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(html);
  }
  const file = normalize(url.pathname.slice('/modules/'.length));
  if (!shared.some((prefix) => file.startsWith(prefix)) || !file.endsWith('.js')) {
    return page(res, 404, 'error', 'not found');
  }
  res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
  return res.end(await readFile(join(modules, file)));
}

async function handle(req, res) {
  const url = new URL(req.url, base);
  if (url.pathname === '/spa' || url.pathname.startsWith('/modules/')) return spa(res, url);
  switch (url.pathname) {
    case '/login': {
      const verifier = oidc.randomPKCECodeVerifier();
      pending = {
        verifier,
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        maxAge: url.searchParams.get('max_age'),
      };
      const params = {
        redirect_uri: `${base}/callback`,
        scope: url.searchParams.get('scope') ?? 'openid profile email offline_access',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      };
      for (const name of ['prompt', 'max_age']) {
        if (url.searchParams.get(name)) params[name] = url.searchParams.get(name);
      }
      // The negative test: the app expects another nonce than it sent.
      if (url.searchParams.get('tamper_nonce')) pending.nonce = oidc.randomNonce();
      res.writeHead(302, { location: oidc.buildAuthorizationUrl(config, params).href });
      return res.end();
    }
    case '/callback': {
      if (!pending) return page(res, 400, 'error', 'no sign-in pending');
      const checks = {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      };
      if (pending.maxAge) checks.maxAge = Number(pending.maxAge);
      pending = null;
      try {
        tokens = await oidc.authorizationCodeGrant(config, url, checks);
      } catch (e) {
        // The library's own words, and which check failed (e.g. the nonce claim).
        const cause = JSON.stringify(e.cause?.cause ?? e.cause ?? {});
        return page(res, 400, 'error', `${e.name}: ${e.code ?? ''} ${e.error ?? ''} ${e.message} ${cause}`);
      }
      return page(res, 200, 'claims', { ...tokens.claims(), has_refresh_token: !!tokens.refresh_token });
    }
    case '/userinfo': {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
      return page(res, 200, 'userinfo', info);
    }
    case '/refresh': {
      const before = tokens.refresh_token;
      const refreshed = await oidc.refreshTokenGrant(config, before);
      refreshed.id_token ??= tokens.id_token;
      tokens = refreshed;
      return page(res, 200, 'refreshed', {
        rotated: !!refreshed.refresh_token && refreshed.refresh_token !== before,
        sub: refreshed.claims()?.sub,
      });
    }
    case '/introspect': {
      const which = url.searchParams.get('which') === 'refresh' ? tokens.refresh_token : tokens.access_token;
      return page(res, 200, 'introspection', await oidc.tokenIntrospection(config, which));
    }
    case '/revoke': {
      await oidc.tokenRevocation(config, tokens.refresh_token);
      return page(res, 200, 'revoked', { revoked: true });
    }
    case '/logout': {
      const to = oidc.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token,
        post_logout_redirect_uri: `${base}/bye`,
        state: 'bye-state',
      });
      res.writeHead(302, { location: to.href });
      return res.end();
    }
    case '/bye':
      return page(res, 200, 'bye', { state: url.searchParams.get('state') });
    default:
      return page(res, 404, 'error', 'not found');
  }
}

http
  .createServer((req, res) => {
    handle(req, res).catch((e) => page(res, 500, 'error', `${e.name}: ${e.message}`));
  })
  .listen(port, '127.0.0.1', () => console.log(`relying party on ${base}`));
