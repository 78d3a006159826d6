import { test, expect } from '@playwright/test';
import { createAccount, fillLogin, logIn, setUpAuthenticator, totpCode, uniqueUser, waitForHydration } from './helpers';

/** Logs out from the header and logs in again with the password: the second step opens. */
async function passwordStep(page: import('@playwright/test').Page, username: string, js = true) {
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  if (js) await waitForHydration(page);
  await fillLogin(page, username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/login\/verify/);
  await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
  await expect(page.getByText(`Signing in as ${username}`)).toBeVisible();
}

test('an authenticator app guards the login; recovery codes work once', async ({ page, request, baseURL }) => {
  const user = uniqueUser('tia');
  await createAccount(request, baseURL!, user);
  await logIn(page, user.username);
  const { secret, codes } = await setUpAuthenticator(page);
  // The codes can be downloaded as a text file.
  const download = page.locator('#security a[download]');
  await expect(download).toHaveAttribute('href', /^data:text\/plain/);
  expect(decodeURIComponent((await download.getAttribute('href'))!)).toContain(codes[3]);

  // The password alone is not enough any more: no session until the code.
  await passwordStep(page, user.username);
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.goBack();
  await page.goto('/login/verify');
  await waitForHydration(page);
  await page.getByLabel('Code').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('That code is not right')).toBeVisible();
  // The setup used this step's code: the app's next one is good (one step of drift).
  await page.getByLabel('Code').fill(totpCode(secret, 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/profile$/);

  // A recovery code stands in for the app, once.
  await passwordStep(page, user.username);
  await page.getByLabel('Code').fill(codes[0]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.locator('#security')).toContainText('9 of 10 recovery codes left');
  await expect(page.getByText('A recovery code was used to sign in')).toBeVisible();

  await passwordStep(page, user.username);
  await page.getByLabel('Code').fill(codes[0]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('That code is not right')).toBeVisible();
  await page.getByLabel('Code').fill(codes[1]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/profile$/);
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('setting up an app and logging in with its code', async ({ page, request, baseURL }) => {
    const user = uniqueUser('tom');
    await createAccount(request, baseURL!, user);
    await logIn(page, user.username, false);
    const { secret, codes } = await setUpAuthenticator(page);
    // Without JavaScript the list and the download link remain (no copy button).
    await expect(page.locator('#security .codes li')).toHaveCount(10);
    await expect(page.locator('button[data-copy]')).toBeHidden();
    await passwordStep(page, user.username, false);
    await page.getByLabel('Code').fill(totpCode(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(/\/profile$/);
    await passwordStep(page, user.username, false);
    await page.getByLabel('Code').fill(codes[9]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(/\/profile$/);
  });
});
