import { test, expect } from '@playwright/test';
import { PASSWORD, createAccount, fillLogin, fillSignup, logIn, uniqueUser, verifyFromMail, waitForHydration, watchConsole } from './helpers';

test('signup, profile, edit, logout and login again', async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('ana');

  await page.goto('/signup');
  await expect(page).toHaveTitle('Create your account · Gatehouse');
  await waitForHydration(page);
  await fillSignup(page, user, 'Ana Lopez');
  await page.getByRole('button', { name: 'Create account' }).click();

  // The address is verified from the mail before the first login.
  await verifyFromMail(page, user.email);
  await waitForHydration(page);
  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ana Lopez');
  // Set by the browser after navigating there from the login page.
  await expect(page).toHaveTitle('Your profile · Gatehouse');
  await expect(page.locator('.nav-user')).toContainText('Ana Lopez');
  await expect(page.locator('.details')).toContainText(user.email);

  await page.getByLabel('Display name').fill('Ana L.');
  await page.getByLabel('Bio').fill('Tea, trains and type systems.');
  // A picture this machine can load (there is no internet here).
  const avatar = `${baseURL}/favicon.svg`;
  await page.getByLabel('Avatar URL').fill(avatar);
  await expect(page.getByAltText('Avatar preview')).toHaveAttribute('src', avatar);
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Your profile has been saved.')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ana L.');
  await expect(page.locator('.nav-user')).toContainText('Ana L.');
  await expect(page.locator('.profile-header img.avatar')).toHaveAttribute('src', avatar);

  await page.reload();
  await expect(page.getByLabel('Bio')).toHaveValue('Tea, trains and type systems.');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('link', { name: 'Sign up' })).toBeVisible();
  await expect(page).toHaveTitle('Log in · Gatehouse');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveTitle('Forgot your password · Gatehouse');
  await page.getByRole('link', { name: 'Gatehouse' }).first().click();
  await expect(page).toHaveTitle('Gatehouse');
  await page.goBack();
  await expect(page).toHaveTitle('Forgot your password · Gatehouse');

  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?next=(%2F|\/)profile$/);
  await waitForHydration(page);
  await fillLogin(page, user.email);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ana L.');

  expect(problems).toEqual([]);
});

test('signing out everywhere from the devices page signs this browser out too', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const user = uniqueUser('eve');
  await createAccount(request, baseURL!, user);
  await logIn(page, user.username);
  await page.getByRole('link', { name: 'Devices', exact: true }).click();
  await expect(page).toHaveTitle('Your devices · Gatehouse');
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByText('You have been signed out on every device.')).toBeVisible();
  // The header's user reloaded after the action, though its page is gone.
  await expect(page.getByRole('link', { name: 'Log in' })).toBeVisible();
  await expect(page.locator('.nav-user')).toHaveCount(0);
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?next=/);
  expect(problems).toEqual([]);
});

test('a wrong password and an unknown user get the same message', async ({ page, request, baseURL }) => {
  const user = uniqueUser('ben');
  await createAccount(request, baseURL!, user);

  await page.goto('/login');
  await waitForHydration(page);
  await fillLogin(page, user.username, 'not my password at all');
  await page.getByRole('button', { name: 'Log in' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toHaveText('Wrong username/email or password.');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel('Username or email')).toHaveValue(user.username);

  await fillLogin(page, 'nobody-by-this-name', 'not my password at all');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(alert).toHaveText('Wrong username/email or password.');
  await expect(page.getByRole('link', { name: 'Log in' })).toBeVisible();
});

test('signup fields are checked as they are typed and by the server', async ({ page, request, baseURL }) => {
  const taken = uniqueUser('cat');
  await createAccount(request, baseURL!, taken);

  await page.goto('/signup');
  await waitForHydration(page);
  const field = (name: string) => page.locator(`#field-${name}-error`);

  await page.getByLabel('Username').fill('ab');
  await page.getByLabel('Username').blur();
  await expect(field('username')).toHaveText('Use at least 3 characters.');
  await expect(page.getByLabel('Username')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Email').blur();
  await expect(field('email')).toContainText('Enter a valid email address');

  await page.getByLabel('Password', { exact: true }).fill('password');
  await expect(page.locator('.meter-label')).toHaveText('Strength: Very weak');
  await page.getByLabel('Password', { exact: true }).blur();
  await expect(field('password')).toContainText('too easy to guess');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await expect(page.locator('.meter-label')).toHaveText(/Strength: (Strong|Very strong)/);
  await expect(field('password')).toBeEmpty();

  await page.getByLabel('Confirm password').fill('something else');
  await page.getByLabel('Confirm password').blur();
  await expect(field('password_confirm')).toHaveText('The passwords do not match.');

  // Fix everything but pick a taken username: only the server knows that one.
  await page.getByLabel('Username').fill(taken.username.toUpperCase());
  await page.getByLabel('Email').fill(uniqueUser('dan').email);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(field('username')).toContainText('That username is taken');
  await expect(page.getByRole('alert')).toHaveText('Please correct the highlighted fields.');
  await expect(page.getByLabel('Email')).not.toHaveValue('');
  await expect(page).toHaveURL(/\/signup$/);

  // Editing the field clears the server's message.
  await page.getByLabel('Username').fill(uniqueUser('dan').username);
  await expect(field('username')).toBeEmpty();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/login$/);
});

test('the 404 page is friendly and says 404', async ({ page }) => {
  const res = await page.goto('/nowhere-at-all');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
