import { test, expect, Page } from '@playwright/test';
import { createAccount, linkIn, uniqueUser, waitForHydration, waitForMail, watchConsole } from './helpers';

/** Asks for a sign-in link on /login, follows it from the mail and presses Sign in. */
async function signInByLink(page: Page, email: string, js: boolean) {
  await page.goto('/login');
  if (js) await waitForHydration(page);
  const asked = Date.now();
  await page.getByLabel('Email for a sign-in link').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByText('If an account uses that address, we have sent it a sign-in link.')).toBeVisible();
  const mail = await waitForMail(email, 'Sign in to', asked - 1000);
  const link = linkIn(mail);
  expect(link).toMatch(/^\/login\/link\?token=/);

  // Opening the link spends nothing (mail scanners fetch links); the button does.
  await page.goto(link);
  await page.goto(link);
  if (js) await waitForHydration(page);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  return link;
}

test.describe('with JavaScript', () => {
  test('a sign-in link from the login page logs in, once', async ({ page, request, baseURL }) => {
    const problems = watchConsole(page);
    const user = uniqueUser('link');
    await createAccount(request, baseURL!, user);

    const link = await signInByLink(page, user.email, true);
    await expect(page.getByText(user.username).first()).toBeVisible();

    // The same link again, in a fresh browser: already used, nobody signed in.
    await page.context().clearCookies();
    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'This link was already used' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign in' })).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test('an unknown address gets the same answer', async ({ page }) => {
    await page.goto('/login');
    await waitForHydration(page);
    await page.getByLabel('Email for a sign-in link').fill(`nobody.${Date.now()}@example.com`);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await expect(page.getByText('If an account uses that address, we have sent it a sign-in link.')).toBeVisible();
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a sign-in link works with plain form posts', async ({ page, request, baseURL }) => {
    const user = uniqueUser('nojslink');
    await createAccount(request, baseURL!, user);
    await signInByLink(page, user.email, false);
    await expect(page.getByText(user.username).first()).toBeVisible();
  });
});
