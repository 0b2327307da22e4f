import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyBaseLogger } from 'fastify';
import { ProvisionError } from './core/provisioning/provision.errors.ts';
import type { ProvisionSummary } from './core/provisioning/provision.service.ts';
import { OpsError } from './ops/ops.errors.ts';
import {
  type Config,
  ConfigError,
  isWorkerCount,
  loadEnvFile,
  MAX_WORKERS,
  readConfig,
} from './platform/config.ts';
import type { Db } from './platform/db/database.ts';
import { keepHeapTight } from './platform/heap.ts';
import { REPOSITORY_ROOT } from './platform/paths.ts';

const DEMO_FILE = join(REPOSITORY_ROOT, 'examples/demo.provision.json');

const USAGE = `Usage: bzctrl <command>

Commands:
  serve [--demo] [--workers N]
                      migrate if needed, then serve the API (--demo: add demo domain, users,
                      client; --workers: N processes share the port, PostgreSQL only; default
                      one per core on PostgreSQL, one on SQLite)
  migrate             apply database migrations and exit
  provision <file>    apply a provisioning file (idempotent) and exit
  backup <file> [--force]
                      copy the SQLite database, consistently, while the server runs
                      (PostgreSQL: pg_dump; docs/backups.md)
  restore <file>      replace the SQLite database with a backup (the server stopped)
  export --workspace <KEY> [--out <file>]
                      a workspace's todos, history, comments and attachments as JSON Lines
  migrate-to <postgres-url>
                      copy the SQLite database into an empty PostgreSQL database and check
                      the copy (docs/scaling.md, "Moving from SQLite to PostgreSQL")
  attachments migrate PostgreSQL: move attachments still stored as files in the data
                      directory into the database (resumable; docs/scaling.md)
  login               sign in to a BzCtrl server (bzctrl login --help)
  todo <command>      add, get, list, update and comment on todos (bzctrl todo --help)
  events tail         print the events of your workspaces as they happen (bzctrl events --help)
  webhooks <command>  add, list, deliveries and replay of webhooks (bzctrl webhooks --help)
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

const COMMANDS = [
  'serve',
  'migrate',
  'provision',
  'backup',
  'restore',
  'export',
  'migrate-to',
  'attachments',
];

/** The commands that take one file, and how to tell it is missing. */
const FILE_COMMANDS: Record<string, string> = {
  provision: 'name the provisioning file, e.g. bzctrl provision bzctrl.json',
  backup: 'name the file to write, e.g. bzctrl backup bzctrl-backup.db',
  restore: 'name the backup file, e.g. bzctrl restore bzctrl-backup.db',
  'migrate-to':
    'name the empty PostgreSQL database, e.g. bzctrl migrate-to postgres://bzctrl@db.internal/bzctrl',
};

/** A usage mistake: told with the usage text, exit code 2. */
function usageError(message: string): number {
  console.error(`bzctrl: ${message}\n\n${USAGE}`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  // The API-client commands live in @bzctrl/cli (apps/cli): they parse their own options and
  // need no server configuration, so the one `bzctrl` command hands them over untouched.
  const first = argv[0];
  if (first === 'login' || first === 'todo' || first === 'events' || first === 'webhooks') {
    const { runClientCommand } = await import('@bzctrl/cli');
    return runClientCommand(first, argv.slice(1));
  }
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    return usageError((err as Error).message);
  }
  const { positionals, values } = parsed;
  const [command, ...rest] = positionals;
  if (!command || command === 'help' || values.help) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  // Usage mistakes are told before the configuration or the database is touched.
  if (!COMMANDS.includes(command)) return usageError(`unknown command "${command}"`);
  if (command === 'attachments' && (rest.length !== 1 || rest[0] !== 'migrate')) {
    return usageError('attachments: the one subcommand is migrate (bzctrl attachments migrate)');
  }
  const fileHint = FILE_COMMANDS[command];
  if (fileHint && rest.length !== 1) {
    return usageError(
      rest.length === 0
        ? `${command}: ${fileHint}`
        : `${command} takes one ${command === 'migrate-to' ? 'database URL' : 'file'} (got ${rest.length})`,
    );
  }
  if (!fileHint && command !== 'attachments' && rest.length > 0) {
    return usageError(`${command} takes no arguments (got "${rest.join(' ')}")`);
  }
  if (values.demo && command !== 'serve') return usageError('--demo goes with serve');
  if (values.force && command !== 'backup') return usageError('--force goes with backup');
  if ((values.workspace !== undefined || values.out !== undefined) && command !== 'export') {
    return usageError('--workspace and --out go with export');
  }
  if (command === 'export' && !values.workspace?.trim()) {
    return usageError('export: name the workspace, e.g. bzctrl export --workspace IMP-NLD-EXA-SWA');
  }
  if (command === 'export' && values.out !== undefined && !values.out.trim()) {
    return usageError('export: --out needs a file name');
  }
  const workers = values.workers;
  if (workers !== undefined && command !== 'serve') return usageError('--workers goes with serve');
  if (workers !== undefined && !isWorkerCount(workers)) {
    return usageError(
      `--workers must be a whole number from 1 to ${MAX_WORKERS} (got "${workers}")`,
    );
  }
  loadEnvFile();
  const config = readConfig(
    workers === undefined ? process.env : { ...process.env, BZCTRL_WORKERS: workers },
  );
  if (command === 'serve') {
    keepHeapTight();
    const { isWorker } = await import('./cluster.ts');
    if (isWorker()) await serveAsWorker(config, values.demo);
    else if (config.workers > 1) return serveWithWorkers(config, values.demo);
    else await serve(config, values.demo);
    return -1; // keep running until a signal
  }
  if (command === 'attachments') return runAttachmentsMigrate(config);
  if (command === 'export') return runExport(config, values.workspace?.trim() ?? '', values.out);
  if (command === 'backup' || command === 'restore') {
    return runBackupCommand(config, command, rest[0] as string, values.force);
  }
  if (command === 'migrate-to') {
    const { migrateTo } = await import('./ops/migrate-to.ts');
    await migrateTo(config, rest[0] as string, { say: (line) => console.log(line) });
    return 0;
  }
  return migrateAndProvision(config, command === 'provision' ? rest[0] : undefined);
}

/** `export --workspace <KEY> [--out <file>]`: JSON Lines to the file, or to stdout. */
async function runExport(config: Config, workspace: string, outFile: string | undefined) {
  const { createWriteStream } = await import('node:fs');
  const { finished } = await import('node:stream/promises');
  const { openDatabase } = await import('./platform/db/database.ts');
  const { exportWorkspace } = await import('./ops/workspace-export.ts');
  const db = openDatabase(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous });
  try {
    const out = outFile ? createWriteStream(outFile) : process.stdout;
    const counts = await exportWorkspace(db, config.dataDir, workspace, out);
    if (outFile) {
      out.end();
      await finished(out);
    }
    // On stdout the lines are the output; the summary goes to stderr.
    (outFile ? console.log : console.error)(
      `Exported ${workspace}: ${counts.todos} todos, ${counts.history} history events, ` +
        `${counts.comments} comments, ${counts.attachments} attachments`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

/**
 * `attachments migrate`: files into the database (PostgreSQL). Exit 1 when a file is
 * missing or corrupt (those rows keep their files; the others are moved).
 */
async function runAttachmentsMigrate(config: Config): Promise<number> {
  const { openDatabase } = await import('./platform/db/database.ts');
  const { migrateToLatest } = await import('./platform/db/migrate.ts');
  const { migrateAttachmentsToDatabase, notOnSqlite } = await import(
    './ops/attachments-migrate.ts'
  );
  // Refused before opening: opening a SQLite URL would create the file.
  if (config.databaseUrl.startsWith('sqlite:')) throw notOnSqlite();
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    const sum = await migrateAttachmentsToDatabase(db, config.dataDir, (l) => console.log(l));
    const bad = [
      ...sum.missing.map((l) => `missing: ${l}`),
      ...sum.corrupt.map((l) => `corrupt: ${l}`),
    ];
    console.log(
      `Moved ${sum.moved} attachments (${sum.bytes} bytes) into the database; ` +
        `${sum.already} were there already; ${sum.missing.length} missing, ` +
        `${sum.corrupt.length} corrupt`,
    );
    for (const l of bad) console.error(`bzctrl attachments migrate: ${l}`);
    return bad.length > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}

/** `backup <file> [--force]` and `restore <file>`, on the configured SQLite database. */
async function runBackupCommand(
  config: Config,
  command: 'backup' | 'restore',
  file: string,
  force: boolean,
): Promise<number> {
  const say = (line: string) => console.log(line);
  if (command === 'backup') {
    const { backupSqlite } = await import('./ops/sqlite-backup.ts');
    await backupSqlite(config, file, { force, say });
  } else {
    const { restoreSqlite } = await import('./ops/sqlite-restore.ts');
    await restoreSqlite(config, file, { say });
  }
  return 0;
}

// Each command imports only what it uses: through tsx every module costs start-up time.

/** `migrate`, and `provision <file>` (which migrates first). */
async function migrateAndProvision(config: Config, file: string | undefined): Promise<number> {
  const { openDatabase } = await import('./platform/db/database.ts');
  const { migrateToLatest } = await import('./platform/db/migrate.ts');
  const provisioning = file ? await import('./core/provisioning/provision.service.ts') : undefined;
  // Read and check the file first: a bad file changes nothing, not even the schema.
  const doc = file ? await provisioning?.readProvisionFile(file) : undefined;
  const db = openDatabase(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous });
  try {
    const applied = await migrateToLatest(db);
    console.log(
      applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date',
    );
    if (provisioning && doc) {
      const sum = await provisioning.applyProvisioning(db, config, doc);
      console.log(`Provisioned ${file}: ${describe(sum)}`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

/** The provisioning files `serve` applies at every start, read and checked first. */
async function provisioningDocs(config: Config, demo: boolean) {
  const { readProvisionFile } = await import('./core/provisioning/provision.service.ts');
  const files = [demo ? DEMO_FILE : undefined, config.provisionFile].filter(
    (f): f is string => f !== undefined,
  );
  return Promise.all(files.map(async (file) => ({ file, doc: await readProvisionFile(file) })));
}

/** The first administrator and the provisioning files, on the migrated database. */
async function prepareSystem(
  db: Db,
  config: Config,
  docs: Awaited<ReturnType<typeof provisioningDocs>>,
  log: FastifyBaseLogger | undefined,
): Promise<void> {
  const { applyProvisioning, ensureFirstAdmin } = await import(
    './core/provisioning/provision.service.ts'
  );
  const { countUsers } = await import('./core/access/users.repository.ts');
  // First, so BZCTRL_ADMIN_* works on a fresh database even when a file adds users.
  const admin = await ensureFirstAdmin(db, config);
  if (admin === 'created') {
    log?.info({ email: config.adminEmail }, 'first administrator created');
    console.log(`Created the first administrator ${config.adminEmail}`);
  }
  for (const { file, doc } of docs) {
    const sum = await applyProvisioning(db, config, doc);
    log?.info({ file, summary: sum }, `provisioned: ${describe(sum)}`);
    console.log(`Provisioned ${file}: ${describe(sum)}`);
  }
  if (admin === 'missing' && (await countUsers(db.kysely)) === 0) {
    console.error(
      'No user exists yet. Stop the server and start it once with a first administrator:\n' +
        '  BZCTRL_ADMIN_EMAIL=you@example.com BZCTRL_ADMIN_PASSWORD=<at least 8 characters> npx bzctrl serve\n' +
        'or run `npm start` for a demo setup.',
    );
  }
}

/** Readable lines without one per request, unless BZCTRL_LOG_LEVEL asks for a level. */
async function demoLogOptions(demo: boolean) {
  if (!demo) return {};
  const { demoLogStream } = await import('./platform/demo-log.ts');
  return {
    logStream: demoLogStream(process.stdout, {
      requests: Boolean(process.env.BZCTRL_LOG_LEVEL?.trim()),
    }),
  };
}

/** `serve [--demo]` in one process: provisioning and the first administrator are in place before the port opens. */
async function serve(config: Config, demo: boolean): Promise<void> {
  const { closeOnSignals, startServer } = await import('./server.ts');
  const docs = await provisioningDocs(config, demo);
  const server = await startServer(config, {
    ...(await demoLogOptions(demo)),
    prepare: (db, app) => prepareSystem(db, config, docs, app.log),
  });
  closeOnSignals(server, config.drainSeconds * 1000);
  // The bound address, not the configured one: with BZCTRL_PORT=0 the system picks a port.
  console.log(`BzCtrl listening on ${server.url}`);
  if (demo) printDemoBanner(server.url);
}

/**
 * `serve --workers N`, the primary: migrates and prepares once, then starts N workers
 * that share the port, and supervises them until a signal stops them all.
 */
async function serveWithWorkers(config: Config, demo: boolean): Promise<number> {
  const { openDatabase } = await import('./platform/db/database.ts');
  const { migrateToLatest } = await import('./platform/db/migrate.ts');
  const { superviseWorkers, workerPids } = await import('./cluster.ts');
  const docs = await provisioningDocs(config, demo);
  const db = openDatabase(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous });
  try {
    await migrateToLatest(db);
    await prepareSystem(db, config, docs, undefined);
  } finally {
    await db.close();
  }
  const say = (line: string) => console.log(`bzctrl primary (pid ${process.pid}): ${line}`);
  const workers = superviseWorkers(config.workers, say, config.drainSeconds * 1000);
  try {
    const url = await workers.listening;
    console.log(
      `BzCtrl listening on ${url} with ${config.workers} worker processes ` +
        `(pids ${workerPids().join(', ')}; primary ${process.pid})`,
    );
    if (demo) printDemoBanner(url);
  } catch {
    // superviseWorkers said why; the workers are being stopped.
  }
  return workers.stopped;
}

/** `serve --workers N`, one worker: serves on the port its primary's workers share. */
async function serveAsWorker(config: Config, demo: boolean): Promise<void> {
  const { closeOnSignals, startServer } = await import('./server.ts');
  const { reportListening } = await import('./cluster.ts');
  // The primary migrated and prepared the database before starting this worker.
  const server = await startServer(config, { ...(await demoLogOptions(demo)), migrate: false });
  closeOnSignals(server, config.drainSeconds * 1000);
  reportListening(server.url);
}

function printDemoBanner(url: string): void {
  console.log(
    `\nBzCtrl demo is running at ${url}\n` +
      `  web app:    ${url}/app/   (API docs: ${url}/docs)\n` +
      '  admin:      admin@example.com / Admin@12345\n' +
      '  member:     example@example.com / Ex@mpl3!  (workspaces IMP-NLD-EXA-SWA, VTT-NLD-TML-FIN)\n' +
      '  API client: erp / erp-demo-client-secret\n' +
      'These demo credentials are public: do not expose this server.\n' +
      'The log below shows warnings, errors and mails, not every request ' +
      '(BZCTRL_LOG_LEVEL=info shows those too).\n',
  );
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      demo: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      out: { type: 'string' },
      workspace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      workers: { type: 'string' },
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError || err instanceof ProvisionError || err instanceof OpsError) {
      console.error(err.message);
    } else console.error('bzctrl:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
