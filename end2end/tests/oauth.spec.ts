import { Page, test, expect } from '@playwright/test';
import { createAccount, fillLogin, signUp, uniqueUser, waitForHydration, watchConsole } from './helpers';

const oauthPort = Number(process.env.E2E_OAUTH_PORT ?? 4100);
const providerOrigin = `http://127.0.0.1:${oauthPort}`;

/** On the provider's own pages: sign in as `login` (if asked) and consent (if asked). */
async function atProvider(page: Page, login: string, consent = true) {
  await page.waitForURL((url) => url.origin === providerOrigin || !url.pathname.startsWith('/auth/oauth'));
  if (new URL(page.url()).origin !== providerOrigin) return; // remembered and consented before
  const loginField = page.locator('input[name="login"]');
  if (await loginField.isVisible()) {
    await loginField.fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
  }
  if (new URL(page.url()).origin !== providerOrigin) return;
  if (consent) {
    await page.getByRole('button', { name: 'Continue' }).click();
  } else {
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
  }
}

test('continue with GitHub, connect Google, log out and in through the provider', async ({ page }) => {
  const problems = watchConsole(page);
  const email = uniqueUser('gh').email;
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Continue with GitHub' }).click();
  await atProvider(page, email);
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.locator('.details')).toContainText(email);
  await expect(page.getByText('email verified')).toBeVisible();
  const connections = page.locator('.connections');
  await expect(connections).toContainText(`Connected as ${email}`);

  // Connect a second provider from the profile. (Both providers are the one local
  // server here, which still remembers the login, so it may not ask again.)
  await page.getByRole('button', { name: 'Connect Google' }).click();
  await atProvider(page, email);
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByText('Google is now connected')).toBeVisible();
  await expect(connections.locator('li', { hasText: 'Google' })).toContainText(`Connected as ${email}`);

  // Log out, and back in through GitHub.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByRole('button', { name: 'Continue with GitHub' }).click();
  await atProvider(page, email);
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.locator('.details')).toContainText(email);

  // GitHub can go (Google remains a way in); then Google is the last one and stays.
  await page.getByRole('button', { name: 'Disconnect GitHub' }).click();
  await expect(page.getByText('GitHub has been disconnected.')).toBeVisible();
  await page.getByRole('button', { name: 'Disconnect Google' }).click();
  await expect(page.getByText('This is the only way you can log in')).toBeVisible();
  expect(problems).toEqual([]);
});

test('denying consent at the provider shows a friendly message', async ({ page }) => {
  await page.goto('/login');
  await page.getByRole('button', { name: 'Continue with GitHub' }).click();
  await atProvider(page, uniqueUser('deny').email, false);
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('alert').first()).toHaveText('You cancelled the sign-in at GitHub. Nothing was changed.');
});

test('an existing unverified account is not taken over by a provider login', async ({ page, request, baseURL }) => {
  const user = uniqueUser('mia');
  // Signed up but never verified.
  await signUp(request, baseURL!, user);
  await page.goto('/login');
  await page.getByRole('button', { name: 'Continue with Google' }).click();
  await atProvider(page, user.email);
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('alert').first()).toContainText('Log in with your password, then connect Google');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('signing in with a provider works', async ({ page, request, baseURL }) => {
    const user = uniqueUser('nojs');
    await createAccount(request, baseURL!, user);
    await page.goto('/login?next=/profile');
    await page.getByRole('button', { name: 'Continue with GitHub' }).click();
    await atProvider(page, user.email);
    // A verified account with the same provider-verified address: linked and logged in.
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.locator('.details')).toContainText(user.email);
    await expect(page.locator('.connections')).toContainText('Connected as');
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await fillLogin(page, user.username);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/\/profile$/);
  });
});
