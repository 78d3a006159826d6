import { test, expect } from '@playwright/test';
import { addAuthenticator, autofill, honourAutofillSwitch, createAccount, fillLogin, logIn, uniqueUser, waitForHydration, waitForMail, watchConsole } from './helpers';

test('register a passkey, sign in with it without a password, see its last use, remove it', async ({ page, request, baseURL }) => {
  const user = uniqueUser('pk');
  await createAccount(request, baseURL!, user);
  const problems = watchConsole(page);
  const { cdp, authenticatorId } = await addAuthenticator(page);
  await honourAutofillSwitch(page);
  await logIn(page, user.username);
  await waitForHydration(page);

  const card = page.locator('section', { has: page.getByRole('heading', { name: 'Passkeys' }) });
  await expect(card.getByText('You have no passkeys yet.')).toBeVisible();
  // Without JavaScript the card would say it needs it; here the form shows instead.
  await expect(card.getByText('Adding a passkey needs JavaScript')).toBeHidden();
  await card.getByLabel('Name of the new passkey').fill('Test laptop');
  const before = Date.now();
  await card.getByRole('button', { name: 'Add a passkey' }).click();
  // The page reloads to show it.
  await expect(card.getByText('Passkey \u201cTest laptop\u201d added.')).toBeVisible();
  await waitForHydration(page);
  await expect(card.locator('li', { hasText: 'Test laptop' })).toContainText('Never used');
  await waitForMail(user.email, 'A passkey was added', before - 1000);
  // The authenticator holds one discoverable credential for this site.
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);
  expect(credentials[0].rpId).toBe('localhost');

  // No username, no password: the passkey alone, with the button.
  await autofill(page, false);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await waitForHydration(page);
  await expect(page.locator('.nav-user-name')).toHaveText(user.username);
  await expect(card.locator('li', { hasText: 'Test laptop' })).toContainText('Last used');
  await expect(page.getByText('New sign-in with a passkey')).toBeVisible();

  // And through the username field's autofill (conditional mediation), to `next`.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await autofill(page, true);
  await page.goto('/login?next=/sessions');
  await expect(page).toHaveURL(/\/sessions$/);
  await expect(page.getByRole('heading', { name: 'Your devices' })).toBeVisible();

  // With the password, the passkey is now the second step of the login. (The autofill is
  // off before the login page opens, or the authenticator would answer it at once.)
  await autofill(page, false);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/login');
  await waitForHydration(page);
  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/login\/verify/);
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await expect(page).toHaveURL(/\/profile$/);

  // Rename, then remove (the account keeps its password).
  await page.goto('/profile');
  await waitForHydration(page);
  await autofill(page, false);
  const item = card.locator('li', { hasText: 'Test laptop' });
  await item.getByLabel('New name for Test laptop').fill('Old laptop');
  await item.getByRole('button', { name: 'Rename' }).click();
  await expect(card.getByText('Passkey renamed to \u201cOld laptop\u201d.')).toBeVisible();
  await card.getByRole('button', { name: 'Remove Old laptop' }).click();
  await expect(card.getByText('Passkey \u201cOld laptop\u201d removed.')).toBeVisible();
  await expect(card.getByText('You have no passkeys yet.')).toBeVisible();
  await waitForMail(user.email, 'A passkey was removed', before - 1000);

  // The authenticator still holds the credential, but it no longer opens the account.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByText('This passkey is not registered here.')).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
  expect(problems).toEqual([]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('passkeys say they need JavaScript and the other ways in still work', async ({ page, request, baseURL }) => {
    await page.goto('/login');
    await expect(page.getByText('Signing in with a passkey needs JavaScript')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeHidden();
    const user = uniqueUser('pknojs');
    await createAccount(request, baseURL!, user);
    await logIn(page, user.username, false);
    const card = page.locator('section', { has: page.getByRole('heading', { name: 'Passkeys' }) });
    await expect(card.getByText('Adding a passkey needs JavaScript')).toBeVisible();
    await expect(card.getByRole('button', { name: 'Add a passkey' })).toBeHidden();
  });
});
