import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { inject } from 'vitest';
import {
  applyProvisioning,
  type ProvisionDoc,
  validateProvisionDoc,
} from '../../src/core/provisioning/provision.service.ts';
import { readConfig } from '../../src/platform/config.ts';
import { type RunningServer, startServer } from '../../src/server.ts';

export type Dialect = 'sqlite' | 'postgres';

/** How long a test server's stop may take before the harness reports it and goes on. */
const STOP_BOUND_MS = 20_000;

/** The dialects this run covers; PostgreSQL unless BZCTRL_TEST_DIALECTS left it out. */
export const dialects: Dialect[] = inject('postgresUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
if (!inject('postgresUrl')) {
  console.warn('PostgreSQL suites skipped: BZCTRL_TEST_DIALECTS does not include postgres');
}

/** Every suite's baseline world: two customer domains, one foreign one, seed users. */
export const fixture: ProvisionDoc = validateProvisionDoc({
  domains: [
    {
      code: 'IMP-NLD-EXA',
      name: 'Example Import NL',
      workspaces: [{ code: 'SWA', name: 'Inbound Control' }],
    },
    {
      code: 'VTT-NLD-TML',
      name: 'Example Terminal NL',
      workspaces: [{ code: 'FIN', name: 'Finance' }],
    },
    {
      code: 'OTH-BEL-ANT',
      name: 'Another Customer',
      workspaces: [{ code: 'OPS', name: 'Operations' }],
    },
  ],
  users: [
    { email: 'admin@example.com', name: 'Admin', password: 'Admin@12345', role: 'admin' },
    {
      email: 'example@example.com',
      name: 'Example User',
      password: 'Ex@mpl3!',
      workspaces: ['IMP-NLD-EXA-SWA', 'VTT-NLD-TML-FIN'],
    },
    {
      email: 'username@example.com',
      name: 'Seed User',
      password: 'Username1!',
      workspaces: ['IMP-NLD-EXA-SWA'],
    },
    { email: 'rge@vtti.com', name: 'RGE', password: 'Rge-pass-1', workspaces: ['VTT-NLD-TML-FIN'] },
    {
      email: 'user@vtti.com',
      name: 'VTTI User',
      password: 'Vtti-pass-1',
      workspaces: ['VTT-NLD-TML-FIN'],
    },
    {
      email: 'outsider@other.example',
      name: 'Outsider',
      password: 'Outsider-1',
      workspaces: ['OTH-BEL-ANT-OPS'],
    },
  ],
  clients: [
    {
      clientId: 'erp',
      clientSecret: 'erp-client-secret-0001',
      name: 'ERP',
      workspaces: ['IMP-NLD-EXA-SWA', 'VTT-NLD-TML-FIN'],
      defaultWorkspace: 'IMP-NLD-EXA-SWA',
    },
    {
      clientId: 'other',
      clientSecret: 'other-client-secret-01',
      name: 'Other customer system',
      workspaces: ['OTH-BEL-ANT-OPS'],
    },
  ],
  locations: [{ name: 'Ahmedabad' }],
});

export const PASSWORDS: Record<string, string> = Object.fromEntries(
  (fixture.users ?? []).map((u) => [u.email, u.password ?? '']),
);

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever came back
  body: any;
  text: string;
}

export interface TestServer {
  url: string;
  dialect: Dialect;
  server: RunningServer;
  databaseUrl: string;
  /** Any HTTP call; a JSON body is sent as JSON, a URLSearchParams or FormData as a form. */
  request(
    method: string,
    path: string,
    opts?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<Reply>;
  /** A password-grant access token for a fixture user. */
  login(email: string, password?: string): Promise<string>;
  /** A client-credentials access token for an API client. */
  clientLogin(clientId: string, secret: string): Promise<string>;
  close(): Promise<void>;
}

/** How many todos the server's database holds, deleted ones included. */
export async function countTodos(t: TestServer): Promise<number> {
  const row = await t.server.db.kysely
    .selectFrom('todos')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const silent = new Writable({ write: (_c, _e, cb) => cb() });

/**
 * Starts the real server on a loopback port over a fresh database of the dialect, with
 * the fixture provisioned. `env` overrides configuration like the environment would.
 */
export async function startTestServer(
  dialect: Dialect,
  options: {
    env?: Record<string, string>;
    provision?: ProvisionDoc | null;
    /** Where the server's log goes (with BZCTRL_LOG_LEVEL in `env`); silent by default. */
    logStream?: NodeJS.WritableStream;
    /**
     * Another node on this server's database (`other.databaseUrl`): nothing provisioned,
     * and the database is left for `other` to drop.
     */
    nodeOf?: TestServer;
  } = {},
): Promise<TestServer> {
  const name = `bzctrl_t_${randomBytes(6).toString('hex')}`;
  let databaseUrl: string;
  let dropDatabase: () => Promise<void>;
  if (options.nodeOf) {
    databaseUrl = options.nodeOf.databaseUrl;
    dropDatabase = async () => undefined;
  } else if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bzctrl-test-'));
    databaseUrl = `sqlite:${join(dir, 'bzctrl.db')}`;
    dropDatabase = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const admin = inject('postgresUrl');
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const u = new URL(admin);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    dropDatabase = async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    };
  }
  // Attachments and other files go to a directory of this server's own.
  const dataDir = mkdtempSync(join(tmpdir(), 'bzctrl-data-'));
  const config = readConfig({
    BZCTRL_DATA_DIR: dataDir,
    BZCTRL_DATABASE_URL: databaseUrl,
    BZCTRL_PORT: '0',
    BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
    BZCTRL_LOG_LEVEL: process.env.BZCTRL_TEST_LOG_LEVEL ?? 'silent',
    BZCTRL_SCRYPT_LOG_N: '14',
    BZCTRL_SQLITE_SYNCHRONOUS: 'NORMAL',
    // Suites make bursts of calls; the rate-limit and job tests set their own values.
    BZCTRL_RATE_LIMIT: '1000000',
    BZCTRL_JOBS: 'false',
    ...options.env,
  });
  const server = await startServer(config, {
    logStream: options.logStream ?? (process.env.BZCTRL_TEST_LOG_LEVEL ? undefined : silent),
  });
  const provision =
    options.provision === undefined && !options.nodeOf ? fixture : options.provision;
  if (provision) await applyProvisioning(server.db, config, provision);
  const url = server.url.replace('[::1]', '127.0.0.1');

  const request: TestServer['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | URLSearchParams | FormData | undefined;
    if (opts.body instanceof URLSearchParams || opts.body instanceof FormData) body = opts.body;
    else if (typeof opts.body === 'string') body = opts.body;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  return {
    url,
    dialect,
    server,
    databaseUrl,
    request,
    login: async (email, password) => {
      const res = await request('POST', '/bzctrl-core-api/oauth/token', {
        body: new URLSearchParams({
          grant_type: 'password',
          username: email,
          password: password ?? PASSWORDS[email] ?? '',
        }),
      });
      if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${res.text}`);
      return res.body.access_token as string;
    },
    clientLogin: async (clientId, secret) => {
      const res = await request('POST', '/bzctrl-core-api/oauth/token', {
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: secret,
        }),
      });
      if (res.status !== 200)
        throw new Error(`login ${clientId} failed: ${res.status} ${res.text}`);
      return res.body.access_token as string;
    },
    close: async () => {
      // Bounded, as `bzctrl serve` bounds its own stop (graceMs): a stop that hangs is
      // reported with what it waited for instead of holding the suite until its hook
      // times out. Seen a few times on a loaded CI machine after a browser suite.
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        server.close().then(() => true),
        new Promise<boolean>((res) => {
          timer = setTimeout(() => res(false), STOP_BOUND_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!stopped) {
        console.warn(
          `test server did not stop within ${STOP_BOUND_MS / 1000} s (requests in flight: ${server.inFlight()}: ${server.inFlightRequests().join('; ')}); closing its database`,
        );
        await server.db.close().catch(() => undefined);
      }
      await dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
