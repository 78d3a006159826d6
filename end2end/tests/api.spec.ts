import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PASSWORD, createAccount, uniqueUser, watchConsole } from './helpers';

/** Another service's check of a token: Python's PyJWT with only our JWKS document. */
function verifyInPython(baseURL: string, token: string, audience = 'gatehouse') {
  const run = spawnSync(
    process.env.GATEHOUSE_TEST_PYTHON ?? 'python3',
    // The test server's tokens live 2 seconds (for the refresh tests); a slow Python
    // start must not turn a signature check into an expiry check.
    [join(__dirname, '..', 'verify_token.py'), `${baseURL}/.well-known/jwks.json`, token, baseURL, audience, '60'],
    { encoding: 'utf8' },
  );
  return { ok: run.status === 0, claims: run.status === 0 ? JSON.parse(run.stdout) : null, error: run.stderr };
}

test('API signup answers 201 and login waits for the verified address', async ({ request, baseURL }) => {
  const user = uniqueUser('api');
  const signup = await request.post('/api/v1/auth/signup', {
    data: { username: user.username, email: user.email, password: PASSWORD },
  });
  expect(signup.status(), await signup.text()).toBe(201);
  // This server wants verified addresses, so the new account cannot log in yet.
  const refused = await request.post('/api/v1/auth/login', { data: { login: user.username, password: PASSWORD } });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).code).toBe('email_not_verified');
});

test('tokens from the JSON API verify offline; tampered or foreign ones do not', async ({ request, baseURL, playwright }) => {
  // A verified account (signup, then the link from the mail).
  const user = uniqueUser('jwks');
  await createAccount(request, baseURL!, user);
  // An API client of its own: no cookies, so no browser rules apply.
  const client = await playwright.request.newContext({ baseURL });
  const login = await client.post('/api/v1/auth/login', { data: { login: user.email, password: PASSWORD } });
  expect(login.status(), await login.text()).toBe(200);
  const body = await login.json();
  expect(body.token_type).toBe('Bearer');
  expect(body.refresh_token).toBeTruthy();

  const verified = verifyInPython(baseURL!, body.access_token);
  expect(verified.error).toBe('');
  expect(verified.ok).toBe(true);
  expect(verified.claims.sub).toBe(body.user.id);
  expect(verified.claims.role).toBe('user');

  const [h, p, s] = body.access_token.split('.');
  const flipped = s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1);
  expect(verifyInPython(baseURL!, `${h}.${p}.${flipped}`).ok).toBe(false);
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
  expect(verifyInPython(baseURL!, `${h}.${promoted}.${s}`).ok).toBe(false);
  expect(verifyInPython(baseURL!, body.access_token, 'another-audience').ok).toBe(false);

  // The same token works as a bearer token against the API.
  const me = await client.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${body.access_token}` } });
  expect((await me.json()).email).toBe(user.email);
});

test('the API docs page works offline and lists the endpoints', async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  const outside: string[] = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(`${baseURL}/`) && !req.url().startsWith('data:')) outside.push(req.url());
  });
  await page.goto('/api/docs');
  await expect(page.getByRole('heading', { name: /Gatehouse API/ })).toBeVisible();
  await expect(page.getByText('/api/v1/auth/login').first()).toBeVisible();
  await expect(page.getByText('/api/v1/users/{id}').first()).toBeVisible();
  expect(outside).toEqual([]);
  expect(problems).toEqual([]);
});
