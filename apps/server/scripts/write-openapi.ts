/**
 * Writes the OpenAPI document the server serves to `apps/server/openapi.json`, the copy
 * the SDK is generated from. Run through `npm run openapi` (which then regenerates the SDK
 * types). The app is built on a throwaway SQLite database and never listens.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.ts';
import { readConfig } from '../src/platform/config.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';

const OUT = fileURLToPath(new URL('../openapi.json', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'bzctrl-openapi-'));
try {
  // An explicit environment: the document must not depend on whoever runs the script.
  const config = readConfig({
    BZCTRL_DATABASE_URL: `sqlite:${join(dir, 'bzctrl.db')}`,
    BZCTRL_LOG_LEVEL: 'silent',
    BZCTRL_JOBS: 'false',
  });
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    const app = await buildApp(config, db);
    await app.ready();
    writeFileSync(OUT, `${JSON.stringify(app.swagger(), null, 2)}\n`);
    await app.close();
  } finally {
    await db.close();
  }
  console.log(`Wrote ${OUT}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
