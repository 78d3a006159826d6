import { Browser, test, expect } from '@playwright/test';
import { PASSWORD, createAccount, createAdmin, fillLogin, logIn, loggedInClient, uniqueUser, waitForHydration, watchConsole } from './helpers';

async function newPage(browser: Browser, baseURL: string) {
  const context = await browser.newContext({ baseURL });
  return context.newPage();
}

test('an admin deactivates a user, who is logged out at once; reactivates; makes them admin', async ({ page, browser, baseURL, request }) => {
  const problems = watchConsole(page);
  const admin = uniqueUser('boss');
  createAdmin(admin);
  const bob = uniqueUser('bob');
  await createAccount(request, baseURL!, bob);

  // Bob is logged in in his own browser.
  const bobPage = await newPage(browser, baseURL!);
  await logIn(bobPage, bob.username);

  await logIn(page, admin.username);
  await page.getByRole('link', { name: 'Admin' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByLabel('Search users').fill(bob.username);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await page.getByRole('link', { name: bob.username }).click();
  await expect(page.getByRole('heading', { name: bob.username })).toBeVisible();
  await waitForHydration(page);

  // A destructive action needs its box ticked.
  await page.getByRole('button', { name: 'Deactivate' }).click();
  await expect(page.getByText('Tick the box to confirm.')).toBeVisible();
  await page.getByLabel('Yes, sign this user out and block their logins').check();
  await page.getByRole('button', { name: 'Deactivate' }).click();
  await expect(page.getByText(`${bob.username} has been deactivated and signed out everywhere.`)).toBeVisible();
  await expect(page.locator('.badges')).toContainText('deactivated');

  // Bob's next navigation finds him logged out, and he cannot log in again.
  await bobPage.getByRole('link', { name: 'Devices', exact: true }).click();
  await expect(bobPage).toHaveURL(/\/login\?next=\/sessions$/);
  await fillLogin(bobPage, bob.username);
  await bobPage.getByRole('button', { name: 'Log in' }).click();
  await expect(bobPage.getByRole('alert').first()).toContainText('This account has been deactivated');

  await page.getByRole('button', { name: 'Reactivate' }).click();
  await expect(page.getByText(`${bob.username} can log in again.`)).toBeVisible();
  await bobPage.getByRole('button', { name: 'Log in' }).click();
  await expect(bobPage).toHaveURL(/\/sessions$/);

  await page.getByRole('button', { name: 'Make an admin' }).click();
  await expect(page.getByText(`${bob.username} is now an admin.`)).toBeVisible();
  await bobPage.reload();
  await expect(bobPage.getByRole('link', { name: 'Admin' })).toBeVisible();

  // The audit log has it all.
  await page.getByRole('link', { name: 'Audit log' }).click();
  // The audit page comes in its own wasm chunk: the user page stays until it is there.
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  await page.getByLabel('User').fill(bob.username);
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.locator('tbody')).toContainText('Role changed from user to admin');
  await expect(page.locator('tbody')).toContainText('Account deactivated');
  await expect(page.locator('tbody')).toContainText('Account reactivated');
  expect(problems).toEqual([]);
});

test('a user who is not an admin gets a 403 page', async ({ page, request, baseURL }) => {
  const user = uniqueUser('plain');
  await createAccount(request, baseURL!, user);
  await logIn(page, user.username);
  const res = await page.goto('/admin');
  expect(res?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible();
});

test('the overview charts 30 days of sign-ups, logins and failures, and the mail queue', async ({ page, request, baseURL }) => {
  const problems = watchConsole(page);
  const admin = uniqueUser('chartboss');
  createAdmin(admin);
  const user = uniqueUser('charted');
  await createAccount(request, baseURL!, user);
  // Today gets at least one failed login.
  const failed = await request.post('/api/v1/auth/login', {
    data: { login: user.username, password: 'not the password at all' },
    headers: { Origin: baseURL! },
  });
  expect(failed.status(), await failed.text()).toBe(401);

  await logIn(page, admin.username);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  for (const series of ['Sign-ups', 'Logins', 'Failed logins', 'Throttled attempts']) {
    const chart = page.getByRole('img', { name: new RegExp(`^${series} per day for 30 days`) });
    await expect(chart).toBeVisible();
    await expect(chart.locator('rect')).toHaveCount(30);
  }
  const failures = await page.getByRole('img', { name: /^Failed logins per day/ }).getAttribute('aria-label');
  expect(Number(/(\d+) today/.exec(failures!)![1])).toBeGreaterThanOrEqual(1);
  await expect(page.getByRole('heading', { name: 'Mail queue' })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Sent in the last 24 h' })).toBeVisible();
  expect(problems).toEqual([]);
});

test('every admin page answers a logged-in user who is not an admin with a real 403', async ({ playwright, request, baseURL }) => {
  const user = uniqueUser('plainhttp');
  await createAccount(request, baseURL!, user);
  // A plain HTTP client, no browser: the status must come from the server itself.
  const client = await loggedInClient(playwright, baseURL!, user.username);
  expect((await client.get('/profile', { maxRedirects: 0 })).status()).toBe(200);
  for (const path of ['/admin', '/admin?q=x', '/admin/audit', '/admin/overview', '/admin/users/00000000-0000-0000-0000-000000000000']) {
    const res = await client.get(path, { maxRedirects: 0 });
    expect(res.status(), path).toBe(403);
    expect(await res.text(), path).toContain('Admins only');
  }
  await client.dispose();
});

test('a user signs out another device from the Devices page', async ({ page, browser, baseURL, request }) => {
  const user = uniqueUser('dev');
  await createAccount(request, baseURL!, user);
  const phone = await newPage(browser, baseURL!);
  await logIn(phone, user.email);
  await logIn(page, user.username);
  await page.getByRole('link', { name: 'Devices', exact: true }).click();
  await expect(page).toHaveURL(/\/sessions$/);
  await waitForHydration(page);
  await expect(page.locator('.device')).toHaveCount(2);
  await expect(page.locator('.device-current')).toContainText('This device');
  await expect(page.locator('.device-current')).toContainText('Chrome');
  await page.locator('.device:not(.device-current)').getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByText('That device has been signed out.')).toBeVisible();
  await expect(page.locator('.device')).toHaveCount(1);

  await phone.reload();
  await expect(phone).toHaveURL(/\/login\?next=\/profile$/);
  await page.reload();
  await expect(page.locator('.device')).toHaveCount(1);
});

test('a user deletes their own account', async ({ page, request, baseURL }) => {
  const user = uniqueUser('bye');
  await createAccount(request, baseURL!, user);
  await logIn(page, user.username);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Recent security activity' })).toBeVisible();
  await expect(page.locator('.activity')).toContainText('New sign-in from Chrome');
  const zone = page.locator('.danger-zone');
  await zone.getByLabel('Your username').fill('someone-else');
  await zone.getByLabel('Your password').fill(PASSWORD);
  await zone.getByRole('button', { name: 'Delete my account' }).click();
  await expect(zone.getByText(`Type your username, ${user.username}, to confirm.`).first()).toBeVisible();
  await zone.getByLabel('Your username').fill(user.username);
  await zone.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByText('Your account and its data have been deleted.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Log in' })).toBeVisible();
  await fillLogin(page, user.username);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert').first()).toContainText('Wrong username/email or password.');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the Devices page signs out other devices', async ({ page, browser, baseURL, request }) => {
    const user = uniqueUser('nojsdev');
    await createAccount(request, baseURL!, user);
    const other = await newPage(browser, baseURL!);
    await logIn(other, user.username, false);
    await logIn(page, user.username, false);
    await page.goto('/sessions');
    await expect(page.locator('.device')).toHaveCount(2);
    await page.getByRole('button', { name: 'Sign out all other devices' }).click();
    await expect(page).toHaveURL(/\/sessions$/);
    await expect(page.getByText('1 other device has been signed out.')).toBeVisible();
    await expect(page.locator('.device')).toHaveCount(1);
  });
});
