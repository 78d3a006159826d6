import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import {
  PASSWORD,
  createAccount,
  fillLogin,
  fillSignup,
  linkIn,
  signUp,
  uniqueUser,
  verifyFromMail,
  waitForHydration,
  waitForMail,
  watchConsole,
} from './helpers';

const NEW_PASSWORD = 'purple elephant marmalade';

test('signup, verification mail, verified, login', async ({ page }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('ivy');
  await page.goto('/signup');
  await waitForHydration(page);
  await fillSignup(page, user, 'Ivy');
  await page.getByRole('button', { name: 'Create account' }).click();
  await verifyFromMail(page, user.email);

  await waitForHydration(page);
  await fillLogin(page, user.email);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByText('email verified')).toBeVisible();
  expect(problems).toEqual([]);
});

test('an unverified login is told to verify and can ask for a new link', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('jon');
  await signUp(request, baseURL!, user);
  const first = await waitForMail(user.email, 'Verify');

  await page.goto('/login');
  await waitForHydration(page);
  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert').first()).toContainText('Please verify your email address first');
  // The throttle allows one link a minute; this test does not wait, so the answer is the
  // same polite notice either way.
  await page.getByRole('button', { name: 'Send a new verification link' }).click();
  await expect(page.getByText('If that account exists and still needs verifying')).toBeVisible();
  expect(problems).toEqual([]);

  // Opening the link (as a mail scanner would) spends nothing; the button does.
  await page.goto(linkIn(first));
  await page.goto(linkIn(first));
  await page.getByRole('button', { name: 'Verify my email' }).click();
  await expect(page.getByRole('heading', { name: 'Your email is verified' })).toBeVisible();
  await page.goto(linkIn(first));
  await expect(page.getByRole('heading', { name: 'Already verified' })).toBeVisible();
});

test('forgot password, mail, reset: old password refused, new works, other browsers logged out', async ({ browser, page, request, baseURL }) => {
  const user = uniqueUser('kai');
  await createAccount(request, baseURL!, user, 'Kai');

  // Another browser is logged in.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto('/login');
  await waitForHydration(otherPage);
  await fillLogin(otherPage, user.username);
  await otherPage.getByRole('button', { name: 'Log in' }).click();
  await expect(otherPage).toHaveURL(/\/profile$/);

  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await waitForHydration(page);
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Email me a reset link' }).click();
  await expect(page.getByText('If an account uses that address')).toBeVisible();

  const mail = await waitForMail(user.email, 'Reset your');
  await page.goto(linkIn(mail));
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByText('Your password has been changed')).toBeVisible();

  await fillLogin(page, user.username, PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert').first()).toHaveText('Wrong username/email or password.');
  await fillLogin(page, user.username, NEW_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);

  // The other browser's session ended: its next page load asks for a login.
  await otherPage.goto('/profile');
  await expect(otherPage).toHaveURL(/\/login\?next=(%2F|\/)profile$/);
  await waitForMail(user.email, 'password was changed');

  // The used link now explains itself.
  await page.goto(linkIn(mail));
  await expect(page.getByRole('heading', { name: 'This link was already used' })).toBeVisible();
  await other.close();
});

// With JavaScript or without, the confirmation lands on the same page with the same way on.
async function changeEmailFromProfile(page: Page, request: APIRequestContext, baseURL: string, js: boolean) {
  const user = uniqueUser(js ? 'lou' : 'lux');
  await createAccount(request, baseURL, user);
  await page.goto('/login');
  if (js) await waitForHydration(page);
  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);

  const newEmail = uniqueUser(js ? 'lou-new' : 'lux-new').email;
  await page.getByLabel('New email address').fill(newEmail);
  await page.locator('#field-email_password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change email' }).click();
  await expect(page.getByText(`We sent a confirmation link to ${newEmail}`)).toBeVisible();
  await expect(page.locator('.details')).toContainText(user.email);

  await waitForMail(user.email, 'change of your');
  const confirm = await waitForMail(newEmail, 'Confirm your new email');
  await page.goto(linkIn(confirm));
  if (js) await waitForHydration(page);
  await page.getByRole('button', { name: 'Confirm my new address' }).click();
  await expect(page.getByRole('heading', { name: 'Your address has changed' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to your profile' }).click();
  await expect(page.locator('.details')).toContainText(newEmail);
}

test('change email from the profile: confirmed by the link sent to the new address', async ({ page, request, baseURL }) => {
  await changeEmailFromProfile(page, request, baseURL!, true);
});

test('change password from the profile signs out the other devices', async ({ browser, page, request, baseURL }) => {
  const user = uniqueUser('max');
  await createAccount(request, baseURL!, user);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  for (const p of [page, otherPage]) {
    await p.goto('/login');
    await waitForHydration(p);
    await fillLogin(p, user.username);
    await p.getByRole('button', { name: 'Log in' }).click();
    await expect(p).toHaveURL(/\/profile$/);
  }
  await page.locator('#field-current_password').fill(PASSWORD);
  await page.locator('#field-new_password').fill(NEW_PASSWORD);
  await page.locator('#field-new_password_confirm').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password has been changed. Your other devices have been signed out.')).toBeVisible();
  await page.reload();
  await expect(page).toHaveURL(/\/profile$/);
  await otherPage.reload();
  await expect(otherPage).toHaveURL(/\/login/);
  await other.close();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('change email from the profile: confirmed by the link sent to the new address', async ({ page, request, baseURL }) => {
    await changeEmailFromProfile(page, request, baseURL!, false);
  });

  test('forgot and reset password', async ({ page, request, baseURL }) => {
    const user = uniqueUser('ned');
    await createAccount(request, baseURL!, user);
    await page.goto('/forgot-password');
    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('button', { name: 'Email me a reset link' }).click();
    await expect(page.getByText('If an account uses that address')).toBeVisible();
    const mail = await waitForMail(user.email, 'Reset your');
    await page.goto(linkIn(mail));
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('Confirm new password').fill('short');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.locator('#field-password-error')).toContainText('at least 8');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await fillLogin(page, user.username, NEW_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/\/profile$/);
  });
});
