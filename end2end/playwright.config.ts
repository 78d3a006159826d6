import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser (this machine cannot download one).
const port = Number(process.env.E2E_PORT ?? 3100);
const smtpPort = Number(process.env.E2E_SMTP_PORT ?? 2526);
const oauthPort = Number(process.env.E2E_OAUTH_PORT ?? 4100);
// A second instance with strict settings: a 10-second step-up window, and admins must
// have a second factor (security-strict.spec.ts).
const strictPort = port + 1;
// E2E_FLEET=1: the main server is a fleet (start-fleet.sh): two instances on PostgreSQL
// and Redis behind HAProxy, so the same tests check that a fleet behaves as one server.
const fleet = !!process.env.E2E_FLEET;

export default defineConfig({
  testDir: './tests',
  // Fails the run if the server log shows a panic (start-server.sh writes the log).
  globalTeardown: './global-teardown.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
  },
  webServer: [
    {
      command: './start-mail.sh',
      port: smtpPort,
      reuseExistingServer: false,
      timeout: 30_000,
      env: { E2E_SMTP_PORT: String(smtpPort) },
    },
    {
      command: './start-oauth.sh',
      port: oauthPort,
      reuseExistingServer: false,
      timeout: 30_000,
      env: { E2E_PORT: String(port), E2E_OAUTH_PORT: String(oauthPort) },
    },
    {
      command: fleet ? './start-fleet.sh' : './start-server.sh',
      url: `http://localhost:${port}/readyz`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { E2E_PORT: String(port), E2E_SMTP_PORT: String(smtpPort), E2E_OAUTH_PORT: String(oauthPort) },
    },
    {
      command: './start-server.sh',
      url: `http://localhost:${strictPort}/readyz`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        E2E_PORT: String(strictPort),
        E2E_DATA: '.data-strict',
        E2E_SMTP_PORT: String(smtpPort),
        E2E_OAUTH_PORT: String(oauthPort),
        GATEHOUSE_ACCOUNTS__REAUTH_WINDOW: '10s',
        GATEHOUSE_ACCOUNTS__REQUIRE_MFA_FOR_ADMINS: 'true',
      },
    },
  ],
});
