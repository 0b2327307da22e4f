import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadEnvFile, readConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import {
  applyProvisioning,
  ensureFirstAdmin,
  ProvisionError,
  type ProvisionSummary,
  readProvisionFile,
} from './provisioning/provision.service.ts';
import { closeOnSignals, startServer } from './server.ts';

const DEMO_FILE = fileURLToPath(new URL('../../../examples/demo.provision.json', import.meta.url));

const USAGE = `Usage: bzctrl <command>

Commands:
  serve [--demo]      migrate if needed, then serve the API (--demo: add demo domain, users, client)
  migrate             apply database migrations and exit
  provision <file>    apply a provisioning file (idempotent) and exit
  help                show this text

Configuration comes from BZCTRL_* environment variables or a .env file; see the README.`;

function describe(sum: ProvisionSummary): string {
  return (
    Object.entries(sum)
      .filter(([, c]) => c.created + c.updated + c.unchanged > 0)
      .map(([k, c]) => `${k}: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`)
      .join('; ') || 'nothing to apply'
  );
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { demo: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  if (!command || command === 'help' || values.help) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  loadEnvFile();
  const config = readConfig();

  if (command === 'migrate' || command === 'provision') {
    const db = openDatabase(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous });
    try {
      const applied = await migrateToLatest(db);
      console.log(
        applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date',
      );
      if (command === 'provision') {
        const file = rest[0];
        if (!file) {
          console.error(
            'bzctrl provision: name the provisioning file, e.g. bzctrl provision bzctrl.json',
          );
          return 2;
        }
        const sum = await applyProvisioning(db, config, await readProvisionFile(file));
        console.log(`Provisioned ${file}: ${describe(sum)}`);
      }
      return 0;
    } finally {
      await db.close();
    }
  }

  if (command === 'serve') {
    const server = await startServer(config);
    closeOnSignals(server);
    const log = server.app.log;
    for (const file of [values.demo ? DEMO_FILE : undefined, config.provisionFile]) {
      if (!file) continue;
      const sum = await applyProvisioning(server.db, config, await readProvisionFile(file));
      log.info({ file, summary: sum }, `provisioned: ${describe(sum)}`);
    }
    const admin = await ensureFirstAdmin(server.db, config);
    if (admin === 'created') log.info({ email: config.adminEmail }, 'first administrator created');
    if (admin === 'missing') {
      console.error(
        'No user exists yet. Stop the server and start it once with a first administrator:\n' +
          '  BZCTRL_ADMIN_EMAIL=you@example.com BZCTRL_ADMIN_PASSWORD=<at least 8 characters> npx bzctrl serve\n' +
          'or run `npm start` for a demo setup.',
      );
    }
    if (values.demo) {
      console.log(
        `\nBzCtrl demo is running at ${config.publicUrl}\n` +
          '  admin:      admin@example.com / Admin@12345\n' +
          '  member:     example@example.com / Ex@mpl3!  (workspaces IMP-NLD-EXA-SWA, VTT-NLD-TML-FIN)\n' +
          '  API client: erp / erp-demo-client-secret\n' +
          'These demo credentials are public: do not expose this server.\n',
      );
    }
    return -1; // keep running
  }

  console.error(`bzctrl: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError || err instanceof ProvisionError) console.error(err.message);
    else console.error('bzctrl:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
