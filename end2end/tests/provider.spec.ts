import { test, expect, Page } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addAuthenticator, autofill, honourAutofillSwitch, createAccount, createAdmin, fillLogin, logIn, setUpAuthenticator, totpCode, uniqueUser, waitForHydration, watchConsole } from './helpers';

// Gatehouse as an OpenID Provider, with apps nobody here wrote the protocol side of: a
// Node web app on npm's openid-client (rp/node-app.mjs), driven through Gatehouse's own
// login, second-factor and consent pages in Chromium; the same library running in the
// browser as a single-page app on another origin (rp/spa.html); and Python's authlib
// (rp/authlib_flow.py) doing the same from a script.

const root = join(__dirname, '..', '..');
const issuer = `http://localhost:${Number(process.env.E2E_PORT ?? 3100)}`;
let nextPort = 4210;

/** Registers an app with the server's own CLI; returns its id and secret. */
function registerApp(args: string[]): { id: string; secret?: string } {
  const bin = process.env.E2E_SERVER_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'release', 'gatehouse');
  const dataDir = join(__dirname, '..', '.data');
  const databaseUrl = join(dataDir, 'database-url');
  const out = execFileSync(bin, ['client', 'create', ...args], {
    env: {
      ...process.env,
      GATEHOUSE_CONFIG: join(root, 'Leptos.toml'),
      GATEHOUSE_SERVER__DATA_DIR: dataDir,
      GATEHOUSE_SERVER__PUBLIC_URL: issuer,
      DATABASE_URL: existsSync(databaseUrl) ? readFileSync(databaseUrl, 'utf8').trim() : '',
      GATEHOUSE_LOG: 'warn',
    },
  }).toString();
  const id = /client_id: (\S+)/.exec(out)?.[1];
  const secret = /client_secret: (\S+)/.exec(out)?.[1];
  expect(id, out).toBeTruthy();
  return { id: id!, secret };
}

type App = { url: string; id: string; secret?: string; process: ChildProcess };
const running: App[] = [];

/** Registers an app and starts the openid-client web app for it. */
async function startApp(name: string, flags: string[]): Promise<App> {
  const port = nextPort++;
  const url = `http://127.0.0.1:${port}`;
  const client = registerApp([
    '--name', name,
    '--redirect-uri', `${url}/callback`,
    '--redirect-uri', `${url}/spa`,
    '--post-logout-redirect-uri', `${url}/bye`,
    ...flags,
  ]);
  const child = spawn(process.execPath, [join(__dirname, '..', 'rp', 'node-app.mjs')], {
    env: { ...process.env, ISSUER: issuer, CLIENT_ID: client.id, CLIENT_SECRET: client.secret ?? '', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start: ${log}`)), 15_000);
    const read = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('relying party on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => reject(new Error(`the app exited (${code}): ${log}`)));
  });
  const app = { url, id: client.id, secret: client.secret, process: child };
  running.push(app);
  return app;
}

test.afterAll(() => {
  for (const app of running.splice(0)) app.process.kill();
});

async function json(page: Page, id: string) {
  return JSON.parse((await page.locator(`#${id}`).textContent()) ?? 'null');
}

/** Gatehouse's login page, serving the app's waiting sign-in, ready to use. */
async function expectLoginFor(page: Page, app: string) {
  await expect(page).toHaveURL(/\/login\?next=%2Foauth2%2Fauthorize%2Fresume$/);
  await expect(page.locator('.app-banner')).toContainText(`Sign in to ${app}`);
  await waitForHydration(page);
}

/** Logs in with a password on the login page that serves the app's sign-in. */
async function logInFor(page: Page, app: string, username: string) {
  await expectLoginFor(page, app);
  await fillLogin(page, username);
  await page.getByRole('button', { name: 'Log in' }).click();
}

test('a confidential app signs a person in with openid-client: consent, userinfo, refresh, introspection, revocation, logout', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('rp');
  await createAccount(request, baseURL!, user, 'Rita Park');
  const app = await startApp('Acme Notes', ['--confidential']);

  await page.goto(`${app.url}/login`);
  await logInFor(page, 'Acme Notes', user.username);
  // A third-party app: the person is asked, once.
  await expect(page.getByRole('heading', { name: 'Allow Acme Notes?' })).toBeVisible();
  await expect(page.getByText('See your email address')).toBeVisible();
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page).toHaveURL(new RegExp(`^${app.url}/callback\\?`));
  const claims = await json(page, 'claims');
  expect(claims.iss).toBe(issuer);
  expect(claims.email).toBe(user.email);
  expect(claims.email_verified).toBe(true);
  expect(claims.name).toBe('Rita Park');
  expect(claims.preferred_username).toBe(user.username);
  expect(claims.amr).toEqual(['pwd']);
  expect(claims.has_refresh_token).toBe(true);

  await page.goto(`${app.url}/userinfo`);
  expect((await json(page, 'userinfo')).sub).toBe(claims.sub);
  await page.goto(`${app.url}/refresh`);
  expect(await json(page, 'refreshed')).toEqual({ rotated: true, sub: claims.sub });
  await page.goto(`${app.url}/introspect`);
  expect((await json(page, 'introspection')).active).toBe(true);
  await page.goto(`${app.url}/revoke`);
  await page.goto(`${app.url}/introspect`);
  expect((await json(page, 'introspection')).active).toBe(false);

  // Allowed before: signing in again goes straight back, no consent page.
  await page.goto(`${app.url}/login`);
  await expect(page).toHaveURL(new RegExp(`^${app.url}/callback\\?`));
  expect((await json(page, 'claims')).sub).toBe(claims.sub);

  // Logging out through the app ends the Gatehouse session and returns to the app.
  await page.goto(`${app.url}/logout`);
  await expect(page).toHaveURL(`${app.url}/bye?state=bye-state`);
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?next=/);

  // The profile lists the app, and withdrawing its access works.
  await logIn(page, user.username);
  const card = page.getByRole('region', { name: 'Apps with access' });
  await expect(card).toContainText('Acme Notes');
  await card.getByRole('button', { name: 'Withdraw access' }).click();
  await expect(page.getByText('Acme Notes no longer has access')).toBeVisible();
  expect(problems).toEqual([]);
});

test('a public app with PKCE and a second factor; prompt=none with and without a session; denied consent; a nonce mismatch', async ({ page, request, baseURL }) => {
  const user = uniqueUser('pk');
  await createAccount(request, baseURL!, user);
  await logIn(page, user.username);
  const { secret } = await setUpAuthenticator(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  const app = await startApp('Acme Mobile', ['--public', '--first-party']);

  // Without a session, prompt=none comes back with login_required.
  await page.goto(`${app.url}/login?prompt=none`);
  await expect(page.locator('#error')).toContainText('login_required');

  await page.goto(`${app.url}/login`);
  await waitForHydration(page);
  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/login\/verify/);
  await page.getByLabel('Code').fill(totpCode(secret, 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  // First-party: no consent page.
  await expect(page).toHaveURL(new RegExp(`^${app.url}/callback\\?`));
  const claims = await json(page, 'claims');
  expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  expect(claims.acr).toBe('http://schemas.openid.net/pape/policies/2007/06/multi-factor');
  expect(claims.email).toBe(user.email);

  // With the session, prompt=none goes straight through.
  await page.goto(`${app.url}/login?prompt=none&scope=openid`);
  expect((await json(page, 'claims')).sub).toBe(claims.sub);
  // The library catches an ID token for another sign-in (nonce mismatch).
  await page.goto(`${app.url}/login?tamper_nonce=1&scope=openid`);
  await expect(page.locator('#error')).toContainText('nonce');

  // A third-party app the person turns down.
  const other = await startApp('Acme Ads', ['--confidential']);
  await page.goto(`${other.url}/login`);
  await expect(page.getByRole('heading', { name: 'Allow Acme Ads?' })).toBeVisible();
  await page.getByRole('button', { name: 'Deny' }).click();
  await expect(page.locator('#error')).toContainText('access_denied');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the whole sign-in works with plain forms', async ({ page, request, baseURL }) => {
    const user = uniqueUser('nj');
    await createAccount(request, baseURL!, user);
    const app = await startApp('Acme Lite', ['--confidential']);
    await page.goto(`${app.url}/login`);
    await expect(page.locator('.app-banner')).toContainText('Sign in to Acme Lite');
    await fillLogin(page, user.username);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await expect(page).toHaveURL(new RegExp(`^${app.url}/callback\\?`));
    expect((await json(page, 'claims')).email).toBe(user.email);
  });
});

test('Python authlib completes every flow from a script', async ({ request, baseURL }) => {
  // It waits out a code's 60 seconds once.
  test.setTimeout(150_000);
  const user = uniqueUser('py');
  await createAccount(request, baseURL!, user);
  const port = nextPort++;
  const redirect = `http://127.0.0.1:${port}/callback`;
  const confidential = registerApp(['--name', 'Acme Reports', '--redirect-uri', redirect, '--confidential']);
  const other = registerApp(['--name', 'Acme Other', '--redirect-uri', redirect, '--confidential', '--first-party']);
  const pub = registerApp(['--name', 'Acme CLI', '--redirect-uri', redirect, '--public', '--first-party']);
  const out = execFileSync(process.env.GATEHOUSE_TEST_PYTHON ?? 'python3', [join(__dirname, '..', 'rp', 'authlib_flow.py')], {
    env: {
      ...process.env,
      ISSUER: issuer,
      REDIRECT_URI: redirect,
      CLIENT_ID: confidential.id,
      CLIENT_SECRET: confidential.secret!,
      OTHER_CLIENT_ID: other.id,
      OTHER_CLIENT_SECRET: other.secret!,
      PUBLIC_CLIENT_ID: pub.id,
      USERNAME: user.username,
      EMAIL: user.email,
      PASSWORD: 'correct horse battery staple',
    },
  }).toString();
  expect(out).toContain('all authlib flows passed');
});

test('an admin registers an app in the console and sees its secret once', async ({ page }) => {
  const problems = watchConsole(page);
  const admin = uniqueUser('apps');
  createAdmin(admin);
  await logIn(page, admin.username);
  await page.goto('/admin/apps');
  await waitForHydration(page);
  await page.getByLabel('Name people see').fill('Acme Console');
  await page.getByLabel('Redirect URIs (one a line, exact)').fill('https://console.example/callback');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByText(/Client secret: \S+/)).toBeVisible();
  const item = page.locator('li.app', { hasText: 'Acme Console' });
  await expect(item).toContainText('confidential');
  // Plain http to another host is refused with a message.
  await item.getByLabel('Redirect URIs', { exact: true }).fill('http://console.example/callback');
  await item.getByRole('button', { name: 'Save Acme Console' }).click();
  await expect(page.getByText(/plain http/)).toBeVisible();
  expect(problems).toEqual([]);
});

test('a single-page app on another origin signs in with openid-client in the browser', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('spa');
  await createAccount(request, baseURL!, user);
  const app = await startApp('Acme SPA', ['--public', '--first-party']);

  await page.goto(`${app.url}/spa`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await logInFor(page, 'Acme SPA', user.username);
  // Back on the app's page, which calls the token, userinfo and revocation endpoints
  // from its own origin (CORS), and cannot read introspection.
  await expect(page).toHaveURL(new RegExp(`^${app.url}/spa\\?`));
  await expect(page.locator('#spa')).not.toBeEmpty();
  const result = await json(page, 'spa');
  expect(result.error).toBeUndefined();
  expect(result.username).toBe(user.username);
  expect(result.amr).toEqual(['pwd']);
  expect(result.rotated).toBe(true);
  expect(result.afterRevocation).toBe(401);
  expect(result.introspection).toBe('TypeError');
  // The only console error is the browser refusing the introspection read.
  expect(problems.filter((p) => !/introspect/.test(p))).toEqual([]);
});

test('prompt=select_account: continue as the person logged in, or use another account', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const first = uniqueUser('sa');
  const second = uniqueUser('sb');
  await createAccount(request, baseURL!, first, 'Sam Ash');
  await createAccount(request, baseURL!, second);
  const app = await startApp('Acme Picker', ['--confidential', '--first-party']);
  await logIn(page, first.username);

  // Go on as the person logged in: a plain form, then back to the app.
  await page.goto(`${app.url}/login?prompt=select_account`);
  await expect(page.getByRole('heading', { name: 'Choose an account' })).toBeVisible();
  await expect(page.getByText('Acme Picker asks which account to use.')).toBeVisible();
  await page.getByRole('button', { name: `Continue as Sam Ash (${first.email})` }).click();
  await expect(page).toHaveURL(new RegExp(`^${app.url}/callback\\?`));
  expect((await json(page, 'claims')).preferred_username).toBe(first.username);

  // Another account: logged out, the login page for the app, then back as the other.
  await page.goto(`${app.url}/login?prompt=select_account`);
  await page.getByRole('button', { name: 'Use another account' }).click();
  await logInFor(page, 'Acme Picker', second.username);
  await expect(page).toHaveURL(new RegExp(`^${app.url}/callback\\?`));
  expect((await json(page, 'claims')).preferred_username).toBe(second.username);
  expect(problems).toEqual([]);
});

test('a passkey sign-in serves a waiting app: back to it with amr hwk', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('pa');
  await createAccount(request, baseURL!, user);
  await addAuthenticator(page);
  await honourAutofillSwitch(page);
  await logIn(page, user.username);
  await waitForHydration(page);
  const card = page.locator('section', { has: page.getByRole('heading', { name: 'Passkeys' }) });
  await card.getByLabel('Name of the new passkey').fill('Test laptop');
  await card.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(card.getByText('Passkey \u201cTest laptop\u201d added.')).toBeVisible();
  await waitForHydration(page);
  // The button, not the autofill, so the login page stays put until it is pressed.
  await autofill(page, false);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  const app = await startApp('Acme Keys', ['--confidential', '--first-party']);
  await page.goto(`${app.url}/login`);
  await expectLoginFor(page, 'Acme Keys');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page).toHaveURL(new RegExp(`^${app.url}/callback\\?`));
  const claims = await json(page, 'claims');
  expect(claims.preferred_username).toBe(user.username);
  expect(claims.amr).toEqual(['hwk', 'user']);
  expect(problems).toEqual([]);
});
