import { createHmac } from 'node:crypto';
import { APIRequest, APIRequestContext, Page, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';

export const PASSWORD = 'correct horse battery staple';

let counter = 0;

/** A username and email no other test uses. */
export function uniqueUser(prefix = 'user') {
  const id = `${Date.now().toString(36)}${(counter++).toString(36)}`;
  return { username: `${prefix}${id}`, email: `${prefix}.${id}@example.com` };
}

/** Waits until the wasm bundle has hydrated the page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** Collects browser console errors and CSP violations; a test ends by expecting none. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    const text = msg.text();
    // Only our own pages: a sign-in provider's pages are not ours to judge.
    if (!page.url().startsWith(`http://localhost:${process.env.E2E_PORT ?? 3100}/`)) return;
    if (msg.type() === 'error' || /Content Security Policy|Refused to/i.test(text)) {
      // Expected: refused logins, invalid forms and refused changes answer with 4xx.
      if (/status of (401|403|409|410|422)/.test(text)) return;
      problems.push(`${msg.type()}: ${text}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

export type Mail = { to: string; subject: string; text: string; html: string; time: number };

const MAILDIR = join(__dirname, '..', '.mail');

/** Every message the test SMTP server (aiosmtpd, see start-mail.sh) has received. */
export async function allMail(): Promise<Mail[]> {
  const files: { path: string; time: number }[] = [];
  for (const sub of ['new', 'cur']) {
    let names: string[] = [];
    try {
      names = readdirSync(join(MAILDIR, sub));
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(MAILDIR, sub, name);
      files.push({ path, time: statSync(path).mtimeMs });
    }
  }
  files.sort((a, b) => a.time - b.time);
  const mails: Mail[] = [];
  for (const f of files) {
    const parsed = await simpleParser(readFileSync(f.path));
    const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
    mails.push({
      to: to?.value[0]?.address ?? '',
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      time: f.time,
    });
  }
  return mails;
}

/** Waits for a message to `to` whose subject contains `subject`, newer than `after`. */
export async function waitForMail(to: string, subject: string, after = 0): Promise<Mail> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = (await allMail())
      .filter((m) => m.to.toLowerCase() === to.toLowerCase() && m.subject.includes(subject) && m.time > after)
      .pop();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} about "${subject}"`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The one-time link in a message, as a path on the test server. */
export function linkIn(mail: Mail): string {
  const link = mail.text.split(/\s+/).find((w) => /^https?:\/\//.test(w) && w.includes('token='));
  if (!link) throw new Error(`no link in "${mail.subject}"`);
  const url = new URL(link);
  return url.pathname + url.search;
}

/** Signs up through the signup server function; the address stays unverified. */
export async function signUp(request: APIRequestContext, baseURL: string, user: { username: string; email: string }, displayName = '') {
  const res = await request.post('/fn/signup', {
    form: { username: user.username, email: user.email, password: PASSWORD, password_confirm: PASSWORD, display_name: displayName },
    headers: { Origin: baseURL, Accept: 'application/json' },
  });
  expect(res.status(), await res.text()).toBe(200);
}

/** Creates and verifies an account through the server functions and the mail. */
export async function createAccount(request: APIRequestContext, baseURL: string, user: { username: string; email: string }, displayName = '') {
  await signUp(request, baseURL, user, displayName);
  const mail = await waitForMail(user.email, 'Verify');
  // Opening the link only shows a confirm button; its form posts the token.
  const token = new URL(linkIn(mail), baseURL).searchParams.get('token') ?? '';
  const verified = await request.post('/fn/verify-email', {
    form: { token },
    headers: { Origin: baseURL, Accept: 'application/json' },
  });
  expect(verified.status(), await verified.text()).toBe(200);
  expect(await verified.text()).toContain('Verified');
}

export async function fillSignup(page: Page, user: { username: string; email: string }, displayName: string, password = PASSWORD) {
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Display name').fill(displayName);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
}

export async function fillLogin(page: Page, login: string, password = PASSWORD) {
  await page.getByLabel('Username or email').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
}

/** After a signup: the login page says where the link went; follow it from the mail. */
export async function verifyFromMail(page: Page, email: string) {
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByText(`We sent a link to ${email}`)).toBeVisible();
  const mail = await waitForMail(email, 'Verify');
  await page.goto(linkIn(mail));
  // Opening the link changes nothing (mail scanners fetch links); the button does.
  await page.getByRole('button', { name: 'Verify my email' }).click();
  await expect(page.getByRole('heading', { name: 'Your email is verified' })).toBeVisible();
  await page.getByRole('link', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/** Makes an admin with the server's own CLI, against the test server's database. */
export function createAdmin(user: { username: string; email: string }, data = '.data') {
  const root = join(__dirname, '..', '..');
  const bin = process.env.E2E_SERVER_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'release', 'gatehouse');
  const dataDir = join(__dirname, '..', data);
  // A fleet (start-fleet.sh) keeps its accounts in PostgreSQL and says where.
  const databaseUrl = join(dataDir, 'database-url');
  execFileSync(bin, ['create-admin', '--username', user.username, '--email', user.email], {
    input: PASSWORD,
    env: {
      ...process.env,
      GATEHOUSE_CONFIG: join(root, 'Leptos.toml'),
      GATEHOUSE_SERVER__DATA_DIR: dataDir,
      DATABASE_URL: existsSync(databaseUrl) ? readFileSync(databaseUrl, 'utf8').trim() : '',
      GATEHOUSE_LOG: 'warn',
    },
  });
}

/** A plain HTTP client (no browser) logged in as `login` through the login server function. */
export async function loggedInClient(playwright: { request: APIRequest }, baseURL: string, login: string): Promise<APIRequestContext> {
  const client = await playwright.request.newContext({ baseURL });
  const res = await client.post('/fn/login', {
    form: { login, password: PASSWORD, next: '' },
    headers: { Origin: baseURL, Accept: 'application/json' },
    maxRedirects: 0,
  });
  expect(res.status(), await res.text()).toBeLessThan(400);
  return client;
}

/** Logs in through the login page and lands on the profile. */
export async function logIn(page: Page, login: string, js = true) {
  await page.goto('/login');
  if (js) await waitForHydration(page);
  await fillLogin(page, login);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  // The header's signed-in links load as a chunk of their own after the URL changes;
  // waiting for them leaves no fetch of this login in flight for the caller to see.
  await expect(page.locator('.nav-user')).toBeVisible();
}

/** The code an authenticator app shows for a base32 secret (RFC 6238: SHA-1, 6 digits,
 * 30-second steps), `offset` steps from now. */
export function totpCode(secret: string, offset = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offset));
  const mac = createHmac('sha1', key).update(counter).digest();
  const at = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

/** Sets up an authenticator app from the profile's Security card; returns the secret
 * and the recovery codes the card shows once. The app's code is the next step's, so a
 * login right after may use the one after that. */
export async function setUpAuthenticator(page: Page): Promise<{ secret: string; codes: string[] }> {
  const card = page.locator('#security');
  await card.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secretEl = card.locator('[data-totp-secret]');
  await expect(secretEl).toBeVisible();
  await expect(card.locator('.qr svg')).toBeVisible();
  const secret = (await secretEl.getAttribute('data-totp-secret')) ?? '';
  await card.getByLabel('Code from the app').fill(totpCode(secret));
  await card.getByRole('button', { name: 'Turn on' }).click();
  await expect(card.getByRole('heading', { name: 'Your new recovery codes' })).toBeVisible();
  const codes = await card.locator('.codes code').allTextContents();
  expect(codes).toHaveLength(10);
  await expect(card.getByText('Authenticator app: on.')).toBeVisible();
  return { secret, codes };
}

/** Chromium's virtual authenticator (DevTools protocol): a platform authenticator that
 * keeps discoverable credentials, verifies the user and answers without a prompt. */
export async function addAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** The virtual authenticator answers the login page's autofill request at once (a
 * person would pick the passkey first), so it is switched off while a step needs the
 * login page to stay put: now, and in every page loaded while the flag is set. */
export async function autofill(page: Page, on: boolean) {
  await page.evaluate((on) => {
    if (on) localStorage.removeItem('e2e-no-autofill');
    else {
      localStorage.setItem('e2e-no-autofill', '1');
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    }
  }, on);
}

/** Makes every page loaded from now on respect `autofill(page, false)`. */
export async function honourAutofillSwitch(page: Page) {
  await page.addInitScript(() => {
    if (localStorage.getItem('e2e-no-autofill')) {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    }
  });
}
