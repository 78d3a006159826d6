import { test, expect } from '@playwright/test';
import { createAccount, fillLogin, uniqueUser, waitForHydration, watchConsole } from './helpers';

test('a login form filled before the wasm loads keeps its values after a refused login', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('early');
  await createAccount(request, baseURL!, user);

  // Hold the wasm back until the form is filled, as a quick typist or a password manager
  // fills it on a slow connection.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked = false;
  await page.route('**/*.wasm', async (route) => {
    asked = true;
    await held;
    await route.continue();
  });
  await page.goto('/login', { waitUntil: 'domcontentloaded' });
  await fillLogin(page, user.username, 'not the right password');
  expect(asked).toBe(true);
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  release();
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
