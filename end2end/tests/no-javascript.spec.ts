import { test, expect } from '@playwright/test';
import { PASSWORD, createAccount, fillLogin, fillSignup, uniqueUser, verifyFromMail } from './helpers';

test.use({ javaScriptEnabled: false });

test('signup, field errors, logout and login all work with JavaScript off', async ({ page }) => {
  const user = uniqueUser('eve');

  await page.goto('/signup');
  await fillSignup(page, { username: user.username, email: 'eve-at-example' }, 'Eve Adams');
  await page.getByRole('button', { name: 'Create account' }).click();

  // A full page round trip: the error is on the field, typed values are back, passwords are not.
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.locator('#field-email-error')).toContainText('Enter a valid email address');
  await expect(page.getByLabel('Username')).toHaveValue(user.username);
  await expect(page.getByLabel('Display name')).toHaveValue('Eve Adams');
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');

  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  // The same verification by mail, without JavaScript.
  await verifyFromMail(page, user.email);
  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Eve Adams');

  await page.getByLabel('Display name').fill('Eve A.');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Your profile has been saved.')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Eve A.');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('link', { name: 'Sign up' })).toBeVisible();

  await fillLogin(page, user.username, 'wrong password entirely');
  await page.getByRole('button', { name: 'Log in' }).click();
  // Until the stylesheet applies, the empty message regions (hidden by CSS: the sign-in
  // link form's, on this server) count as alerts too; the one with text is the answer.
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText('Wrong username/email or password.');
  await expect(page.getByLabel('Username or email')).toHaveValue(user.username);

  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Eve A.');
});

test('a protected page sends you to login and back with JavaScript off', async ({ page, request, baseURL }) => {
  const user = uniqueUser('fay');
  await createAccount(request, baseURL!, user);
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?next=(%2F|\/)profile$/);
  await fillLogin(page, user.email);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
});
