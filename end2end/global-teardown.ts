import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where start-server.sh copies everything each server instance prints: server.log, or
 * server-a.log and server-b.log for the instances of a fleet (start-fleet.sh). */
function serverLogs(): string[] {
  return ['.data', '.data-strict'].flatMap((dir) => {
    const path = join(__dirname, dir);
    const logs = existsSync(path) ? readdirSync(path).filter((f) => /^server.*\.log$/.test(f)) : [];
    // No log at all is itself a failure (check() says so).
    return logs.length > 0 ? logs.map((f) => join(path, f)) : [join(path, 'server.log')];
  });
}

/**
 * Fails the run when the server panicked, even if every test passed: a panic on a
 * request is a bug whatever the browser saw.
 */
export default async function globalTeardown() {
  for (const log of serverLogs()) check(log);
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
