import { test, expect } from '@playwright/test';
import { PASSWORD, createAccount, createAdmin, fillLogin, setUpAuthenticator, uniqueUser, waitForHydration } from './helpers';

// The second test server (playwright.config.ts): a 10-second step-up window, and admins
// must have a second factor.
test.use({
  baseURL: (() => {
    const url = new URL(`http://localhost:${Number(process.env.E2E_PORT ?? 3100)}`);
    url.port = String(Number(url.port) + 1);
    return url.toString().replace(/\/$/, '');
  })(),
});

async function logIn(page: import('@playwright/test').Page, login: string) {
  await page.goto('/login');
  await waitForHydration(page);
  await fillLogin(page, login);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
}

test('an admin without a second factor is sent to set one up first', async ({ page }) => {
  const admin = uniqueUser('root');
  createAdmin(admin, '.data-strict');
  await logIn(page, admin.username);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/profile\?mfa=required#security$/);
  await expect(page.getByText('Admins must protect their account with a second factor')).toBeVisible();
  await setUpAuthenticator(page);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
});

test('a password change after the window asks to confirm it is you first', async ({ page, request, baseURL }) => {
  const user = uniqueUser('sue');
  await createAccount(request, baseURL!, user);
  await logIn(page, user.username);
  await page.waitForTimeout(11_000);
  const card = page.getByRole('region', { name: 'Password' });
  const changePassword = async () => {
    await card.getByLabel('Current password').fill(PASSWORD);
    await card.getByLabel('New password', { exact: true }).fill('a different long passphrase');
    await card.getByLabel('Confirm new password').fill('a different long passphrase');
    await card.getByRole('button', { name: 'Change password' }).click();
  };
  await changePassword();
  await expect(page.getByText("confirm it's you to change your password")).toBeVisible();
  await page.getByRole('link', { name: "Confirm it's you" }).first().click();
  await expect(page).toHaveURL(/\/confirm\?next=%2Fprofile$/);
  await expect(page.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel('Password').fill('not my password');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('That is not right')).toBeVisible();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await waitForHydration(page);
  await changePassword();
  await expect(page.getByText('Your password has been changed')).toBeVisible();
});
