import { test, expect } from '@playwright/test';
import { createAccount, fillLogin, uniqueUser, waitForHydration, watchConsole } from './helpers';

// The test server issues access tokens that live 2 seconds.

test('tokens live in HttpOnly SameSite cookies and never reach JavaScript', async ({ page, context, request, baseURL }) => {
  const user = uniqueUser('gus');
  await createAccount(request, baseURL!, user);
  await page.goto('/login');
  await waitForHydration(page);
  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);

  const cookies = await context.cookies();
  const access = cookies.find((c) => c.name.endsWith('gatehouse_access'));
  const refresh = cookies.find((c) => c.name.endsWith('gatehouse_refresh'));
  expect(access, 'access cookie').toBeTruthy();
  expect(refresh, 'refresh cookie').toBeTruthy();
  for (const c of [access!, refresh!]) {
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe('Lax');
    expect(c.path).toBe('/');
  }
  const visible = await page.evaluate(() => document.cookie);
  expect(visible).not.toContain(access!.value);
  expect(visible).not.toContain(refresh!.value);
  expect(visible).not.toContain('gatehouse_');
  const storage = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length }));
  expect(storage).toEqual({ local: 0, session: 0 });
  expect(page.url()).not.toContain(access!.value);
});

test('the user stays logged in across access-token expiry', async ({ page, context, request, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('hal');
  await createAccount(request, baseURL!, user, 'Hal');
  await page.goto('/login');
  await waitForHydration(page);
  await fillLogin(page, user.email);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  const accessBefore = (await context.cookies()).find((c) => c.name.endsWith('gatehouse_access'))!.value;

  // Past the 2-second lifetime: a full page load refreshes on the server.
  await page.waitForTimeout(3000);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Hal');
  const accessAfter = (await context.cookies()).find((c) => c.name.endsWith('gatehouse_access'))!.value;
  expect(accessAfter).not.toBe(accessBefore);

  // Expired again: a server-function call from the hydrated page refreshes too.
  await waitForHydration(page);
  await page.waitForTimeout(3000);
  await page.getByLabel('Display name').fill('Hal 9000');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Your profile has been saved.')).toBeVisible();
  await expect(page.locator('.nav-user')).toContainText('Hal 9000');

  // Two tabs whose access tokens expired refresh at the same moment: neither is logged out.
  const other = await context.newPage();
  await other.goto('/profile');
  await page.waitForTimeout(3000);
  await Promise.all([page.reload(), other.reload()]);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Hal 9000');
  await expect(other.getByRole('heading', { level: 1 })).toHaveText('Hal 9000');
  await page.waitForTimeout(3000);
  await other.reload();
  await expect(other.getByRole('heading', { level: 1 })).toHaveText('Hal 9000');

  expect(problems).toEqual([]);
});
