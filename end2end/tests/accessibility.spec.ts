import { Page, test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createAccount, createAdmin, logIn, uniqueUser, waitForHydration } from './helpers';

// Every page, checked with axe-core in both colour schemes, as each kind of visitor sees it.
// The list of problems names the page, the rule and the elements, so a failure says where.

/** axe's findings on the page at `path` (once hydrated), one line per rule broken. */
async function axeProblems(page: Page, path: string, status?: number): Promise<string[]> {
  const res = await page.goto(path);
  if (status !== undefined) expect(res?.status(), path).toBe(status);
  await waitForHydration(page);
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.map((v) => {
    const where = v.nodes
      .slice(0, 5)
      .map((n) => `${n.target.join(' ')}${n.failureSummary ? ` (${n.failureSummary.replace(/\s+/g, ' ')})` : ''}`)
      .join('; ');
    return `${path}: [${v.impact}] ${v.id}: ${v.help} — ${where}`;
  });
}

async function problemsOnPages(page: Page, pages: [string, number?][]): Promise<string[]> {
  const problems: string[] = [];
  for (const [path, status] of pages) problems.push(...(await axeProblems(page, path, status)));
  return problems;
}

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`accessibility, ${colorScheme} colour scheme`, () => {
    test.use({ colorScheme });

    test('pages for visitors who are not logged in', async ({ page }) => {
      const problems = await problemsOnPages(page, [
        ['/', 200],
        ['/login', 200],
        ['/signup', 200],
        ['/forgot-password', 200],
        ['/reset-password'],
        ['/reset-password?token=not-a-real-token'],
        ['/verify-email'],
        ['/verify-email?token=not-a-real-token'],
        ['/cancel-email-change?token=not-a-real-token'],
        ['/no-such-page', 404],
      ]);
      expect(problems).toEqual([]);
    });

    test('pages for a logged-in user, and the 403 page', async ({ page, request, baseURL }) => {
      const user = uniqueUser(`a11y${colorScheme}`);
      await createAccount(request, baseURL!, user);
      await logIn(page, user.username);
      const problems = await problemsOnPages(page, [
        ['/', 200],
        ['/profile', 200],
        ['/sessions', 200],
        ['/admin', 403],
        ['/no-such-page', 404],
      ]);
      expect(problems).toEqual([]);
    });

    test('the admin pages', async ({ page, request, baseURL }) => {
      const admin = uniqueUser(`a11yboss${colorScheme}`);
      createAdmin(admin);
      const user = uniqueUser(`a11ysubject${colorScheme}`);
      await createAccount(request, baseURL!, user);
      await logIn(page, admin.username);

      // The user's own page: found through the admin's search, as an admin would.
      await page.goto(`/admin?q=${encodeURIComponent(user.username)}`);
      await waitForHydration(page);
      const href = await page.getByRole('link', { name: user.username }).getAttribute('href');
      expect(href).toMatch(/^\/admin\/users\/[^/]+$/);

      const problems = await problemsOnPages(page, [
        ['/admin', 200],
        [`/admin?q=${encodeURIComponent(user.username)}`, 200],
        ['/admin/audit', 200],
        ['/admin/overview', 200],
        [href!, 200],
        ['/admin/users/no-such-user'],
      ]);
      expect(problems).toEqual([]);
    });
  });
}
