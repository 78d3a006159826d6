import { APIRequestContext, Page, expect } from '@playwright/test';

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
    if (msg.type() === 'error' || /Content Security Policy|Refused to/i.test(text)) {
      // Expected: the failed-login and invalid-form answers are 4xx responses.
      if (/status of (401|403|422)/.test(text)) return;
      problems.push(`${msg.type()}: ${text}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

/** Creates an account through the server function, as the signup page would. */
export async function createAccount(request: APIRequestContext, baseURL: string, user: { username: string; email: string }, displayName = '') {
  const res = await request.post('/fn/signup', {
    form: { username: user.username, email: user.email, password: PASSWORD, password_confirm: PASSWORD, display_name: displayName },
    headers: { Origin: baseURL, Accept: 'application/json' },
  });
  expect(res.status(), await res.text()).toBe(200);
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
  await page.getByLabel('Password').fill(password);
}
