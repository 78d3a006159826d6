import { Page, test, expect } from '@playwright/test';
import { PASSWORD, createAccount, linkIn, logIn, uniqueUser, waitForHydration, waitForMail, watchConsole } from './helpers';

const oauthPort = Number(process.env.E2E_OAUTH_PORT ?? 4100);
const providerOrigin = `http://127.0.0.1:${oauthPort}`;

/** Asks for a change of address from the profile; returns the new address. */
async function requestAddressChange(page: Page, prefix: string) {
  const newEmail = uniqueUser(prefix).email;
  await page.getByLabel('New email address').fill(newEmail);
  await page.locator('#field-email_password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change email' }).click();
  await expect(page.getByText(`We sent a confirmation link to ${newEmail}`)).toBeVisible();
  return newEmail;
}

for (const js of [true, false]) {
  test.describe(js ? 'with JavaScript' : 'without JavaScript', () => {
    test.use({ javaScriptEnabled: js });

    test('the old address cancels a change of address with one click, without logging in', async ({ browser, page, request, baseURL }) => {
      const user = uniqueUser(js ? 'cain' : 'cano');
      await createAccount(request, baseURL!, user);
      await logIn(page, user.username, js);
      const newEmail = await requestAddressChange(page, js ? 'cain-new' : 'cano-new');
      const notice = await waitForMail(user.email, 'change of your');
      const confirm = await waitForMail(newEmail, 'Confirm your new email');

      // The owner reads the notice somewhere else, not logged in.
      const elsewhere = await browser.newContext({ javaScriptEnabled: js });
      const owner = await elsewhere.newPage();
      const problems = watchConsole(owner);
      await owner.goto(linkIn(notice));
      if (js) await waitForHydration(owner);
      await expect(owner.getByRole('heading', { name: 'Cancel the change of address?' })).toBeVisible();
      await owner.getByRole('button', { name: "This wasn't me \u2014 cancel the change" }).click();
      await expect(owner.getByRole('heading', { name: 'Change of address cancelled' })).toBeVisible();
      expect(problems).toEqual([]);
      await elsewhere.close();

      // The confirmation link to the new address is dead, and the address never changed.
      await page.goto(linkIn(confirm));
      await expect(page.getByRole('heading', { name: 'This link was already used' })).toBeVisible();
      await page.goto('/profile');
      await expect(page.locator('.details')).toContainText(user.email);
    });

    test('connecting a provider to a password account needs the current password', async ({ page, request, baseURL }) => {
      const user = uniqueUser(js ? 'pia' : 'pio');
      await createAccount(request, baseURL!, user);
      await logIn(page, user.username, js);
      const github = page.locator('.connections li', { hasText: 'GitHub' });
      await github.getByLabel('Current password').fill('not my password at all');
      await github.getByRole('button', { name: 'Connect GitHub' }).click();
      await expect(page).toHaveURL(/\/profile$/);
      await expect(page.getByText('To connect GitHub, enter your current password')).toBeVisible();
      await expect(github).toContainText('Not connected');

      await github.getByLabel('Current password').fill(PASSWORD);
      await github.getByRole('button', { name: 'Connect GitHub' }).click();
      await page.waitForURL((url) => url.origin === providerOrigin || url.pathname === '/profile');
      if (new URL(page.url()).origin === providerOrigin) {
        const loginField = page.locator('input[name="login"]');
        if (await loginField.isVisible()) {
          await loginField.fill(`${user.username}-gh@example.com`);
          await page.locator('input[name="password"]').fill('any password');
          await page.getByRole('button', { name: 'Sign-in' }).click();
        }
        if (new URL(page.url()).origin === providerOrigin) {
          await page.getByRole('button', { name: 'Continue' }).click();
        }
      }
      await expect(page).toHaveURL(/\/profile$/);
      await expect(page.getByText('GitHub is now connected')).toBeVisible();
      // The owner is told by mail.
      await waitForMail(user.email, 'GitHub was connected');
    });
  });
}

test('a logged-out visit to a protected page is a real redirect, before any JavaScript', async ({ request }) => {
  for (const path of ['/profile', '/sessions', '/admin', '/admin/audit']) {
    const res = await request.get(path, { maxRedirects: 0, headers: { Accept: 'text/html' } });
    expect(res.status(), path).toBe(303);
    expect(res.headers()['location'], path).toBe(`/login?next=${path}`);
  }
});
