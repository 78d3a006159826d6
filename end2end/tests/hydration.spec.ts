import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { createAccount, fillLogin, logIn, loggedInClient, signUp, uniqueUser, waitForHydration, watchConsole } from './helpers';

/** Holds every wasm request back until `release()`, as a slow connection would. */
async function holdWasm(page: Page) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked = false;
  await page.route('**/*.wasm', async (route) => {
    asked = true;
    await held;
    await route.continue();
  });
  return { release, asked: () => asked };
}

test('a login form filled before the wasm loads keeps its values after a refused login', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('early');
  await createAccount(request, baseURL!, user);

  // Hold the wasm back until the form is filled, as a quick typist or a password manager
  // fills it on a slow connection.
  const wasm = await holdWasm(page);
  await page.goto('/login', { waitUntil: 'domcontentloaded' });
  await fillLogin(page, user.username, 'not the right password');
  expect(wasm.asked()).toBe(true);
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  wasm.release();
  await waitForHydration(page);

  // Submitted by the hydrated page (no full reload): the server refuses it.
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert').first()).toContainText('Wrong username/email or password.');
  await expect(page).toHaveURL(/\/login$/);
  // The fields hold what was typed, and the page knows it: no "empty field" messages.
  await expect(page.getByLabel('Username or email')).toHaveValue(user.username);
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('not the right password');
  await expect(page.getByText('Enter your password.')).toHaveCount(0);
  await expect(page.getByText('Enter your username or email.')).toHaveCount(0);
  await expect(page.locator('#field-login-error')).toBeEmpty();
  await expect(page.locator('#field-password-error')).toBeEmpty();
  expect(problems).toEqual([]);
});

test('an unverified login posted before the wasm loads comes back with the resend form, which hydrates', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('early');
  await signUp(request, baseURL!, user);

  // No wasm until the answer to the plain post is on screen: the server renders the form
  // for a new link, whose code is a chunk of its own, and the page must hydrate with it.
  const wasm = await holdWasm(page);
  await page.goto('/login', { waitUntil: 'domcontentloaded' });
  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert').first()).toContainText('Please verify your email address first');
  await expect(page.getByRole('button', { name: 'Send a new verification link' })).toBeVisible();
  wasm.release();
  await waitForHydration(page);

  // Hydrated: the form answers in place.
  const reloads: string[] = [];
  page.on('framenavigated', (f) => f === page.mainFrame() && reloads.push(f.url()));
  await page.getByRole('button', { name: 'Send a new verification link' }).click();
  await expect(page.getByText('If that account exists and still needs verifying')).toBeVisible();
  expect(reloads).toEqual([]);
  expect(problems).toEqual([]);
});

/** The chunks a lazily loaded page or part needs, as the build's manifest names them. */
function chunksOf(prefix: string): string[] {
  const site = process.env.LEPTOS_SITE_ROOT ?? join(__dirname, '..', '..', 'target', 'site');
  const manifest: Record<string, string[]> = JSON.parse(readFileSync(join(site, 'pkg', '__wasm_split_manifest.json'), 'utf8'));
  const key = Object.keys(manifest).find((k) => k.startsWith(prefix));
  expect(key, `${prefix} in ${Object.keys(manifest).join(', ')}`).toBeTruthy();
  return manifest[key!].map((m) => `/pkg/${m}.wasm`).sort();
}

const MAIN = '/pkg/gatehouse.wasm';

/** The gzip size of a file the build wrote under `pkg/`, in KiB. */
function gzipKiB(path: string): number {
  const site = process.env.LEPTOS_SITE_ROOT ?? join(__dirname, '..', '..', 'target', 'site');
  return gzipSync(readFileSync(join(site, path)), { level: 9 }).length / 1024;
}

// The main wasm is what every first visit waits for (290 KiB at gzip -9 at this writing). A
// change that pulls a lazily loaded page or part back into it shows here, not only in the
// benchmark: awaiting the login page's parts directly once added 30 KiB, the header's
// signed-in links are 18, and wasm-opt's default inlining of functions with one caller 29.
// Sizes of one build are exact, so this is no timing test; the margin is for toolchain
// updates, and the budget is the target for the first visit's wasm.
test('the main wasm stays within its size budget', () => {
  const size = gzipKiB(MAIN);
  expect(size, `${MAIN}: ${size.toFixed(1)} KiB gzip`).toBeLessThanOrEqual(300);
});

/** The paths of the wasm files the page asks for from now on, in order. */
function wasmFetches(page: Page): string[] {
  const wasm: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname);
  });
  return wasm;
}

test('a first visit loads only the main bundle; pages behind a login bring their own chunk', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('split');
  await createAccount(request, baseURL!, user);
  const wasm = wasmFetches(page);

  // The main bundle, and the sign-in link form's chunks because this server offers sign-in
  // links (most leave them off, and their visitors never fetch these). The form for a new
  // verification link comes only after an unverified login.
  await page.goto('/login');
  await waitForHydration(page);
  await expect(page.getByLabel('Email for a sign-in link')).toBeVisible();
  expect(wasm.sort()).toEqual([MAIN, ...chunksOf('sign_in_link_form_')].sort());

  // Logging in navigates in the browser to /profile, whose code comes in its own chunk;
  // the page then works (a save answers without a reload).
  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { name: 'Public profile' })).toBeVisible();
  expect(wasm.filter((w) => w !== MAIN).length, wasm.join(', ')).toBeGreaterThan(0);
  await page.getByLabel('Display name').fill('Split Tester');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Your profile has been saved.')).toBeVisible();

  // Opened directly, a lazily loaded page hydrates only once its chunk is there.
  wasm.length = 0;
  await page.goto('/sessions');
  await waitForHydration(page);
  expect(wasm.some((w) => w !== MAIN), wasm.join(', ')).toBe(true);
  await expect(page.getByRole('button', { name: /Sign out/ }).first()).toBeEnabled();
  expect(problems).toEqual([]);
});

test('each page preloads its own chunks, every time, however many pages render at once', async ({ page, playwright, request, baseURL }) => {
  // The page's, and the header's signed-in links' (a chunk too), each once.
  const profileChunks = [...new Set([...chunksOf('profile_page_'), ...chunksOf('signed_in_links_')])].sort();
  const loginChunks = chunksOf('sign_in_link_form_');

  const user = uniqueUser('preload');
  await createAccount(request, baseURL!, user);
  const client = await loggedInClient(playwright, baseURL!, user.username);
  const anonymous = await playwright.request.newContext({ baseURL });

  // Anywhere in the page: the main wasm's link is in the head, the chunks' at the end of
  // the body, written once the page has rendered.
  const preloads = (html: string) => {
    return [...html.matchAll(/<link [^>]*rel="preload"[^>]*>/g)]
      .map((m) => /href="([^"]+)"/.exec(m[0])![1])
      .filter((href) => href !== MAIN)
      .sort();
  };
  // Profile pages and login pages (no chunk of their own, but this server shows the
  // sign-in link form, which has) rendered side by side, as many users' visits are: each
  // response names its own page's chunks, once each.
  for (let round = 0; round < 4; round++) {
    const pages = await Promise.all(
      Array.from({ length: 24 }, (_, i) => (i % 2 ? client.get('/profile') : anonymous.get('/login?x=' + i)))
    );
    for (const [i, res] of pages.entries()) {
      expect(res.status()).toBe(200);
      const found = preloads(await res.text());
      if (i % 2) expect(found, `/profile, round ${round}`).toEqual(profileChunks);
      else expect(found, `/login, round ${round}`).toEqual(loginChunks);
    }
  }
  await client.dispose();
  await anonymous.dispose();

  // In a browser, the page's own fetch of each chunk uses its preload: nothing twice.
  const problems = watchConsole(page);
  await logIn(page, user.username);
  const wasm = wasmFetches(page);
  await page.goto('/profile');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Public profile' })).toBeVisible();
  expect(wasm.filter((w) => w !== MAIN).sort()).toEqual(profileChunks);
  expect(problems).toEqual([]);
});
