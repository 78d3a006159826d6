import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where start-server.sh copies everything each server instance prints. */
export const SERVER_LOGS = ['.data', '.data-strict'].map((dir) => join(__dirname, dir, 'server.log'));

/**
 * Fails the run when the server panicked, even if every test passed: a panic on a
 * request is a bug whatever the browser saw.
 */
export default async function globalTeardown() {
  for (const log of SERVER_LOGS) check(log);
}

function check(SERVER_LOG: string) {
  if (!existsSync(SERVER_LOG)) {
    throw new Error(`no server log at ${SERVER_LOG}: start-server.sh should write it`);
  }
  const lines = readFileSync(SERVER_LOG, 'utf8').split('\n');
  const panics = lines.flatMap((line, i) => (/panicked/.test(line) ? [i] : []));
  if (panics.length > 0) {
    const excerpts = panics
      .slice(0, 5)
      .map((i) => lines.slice(i, i + 12).join('\n'))
      .join('\n---\n');
    throw new Error(`the server panicked ${panics.length} time(s) during the run (${SERVER_LOG}):\n${excerpts}`);
  }
}
