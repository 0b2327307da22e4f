import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, readConfig } from '../src/platform/config.ts';

/**
 * The `bzctrl` command as an operator runs it: a real process per case, over a temp SQLite
 * file (and once a fresh PostgreSQL database), talked to over HTTP.
 */

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const BIN = join(ROOT, 'apps/server/bin/bzctrl.js');
const TOKEN_PATH = '/bzctrl-core-api/oauth/token';

let dir: string;
let dbCount = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bzctrl-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh SQLite database URL in the temp directory. */
const freshSqlite = () => `sqlite:${join(dir, `db-${++dbCount}`, 'bzctrl.db')}`;

/** The environment without whatever BZCTRL_* the test run itself has, plus `env`. */
function envWith(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('BZCTRL_')),
  );
  return {
    ...base,
    BZCTRL_SCRYPT_LOG_N: '14',
    BZCTRL_SQLITE_SYNCHRONOUS: 'NORMAL',
    BZCTRL_LOG_LEVEL: 'warn',
    BZCTRL_DATA_DIR: join(dir, 'data'),
    ...env,
  };
}

const running = new Set<ChildProcess>();

/** Kills by PID whatever a test left running. */
function killLeftovers() {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  running.clear();
}
afterAll(killLeftovers);

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string>, cwd = ROOT): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: envWith(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<number | null>((res) => {
    child.on('close', (code) => {
      running.delete(child);
      res(code);
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs a command to its end. */
async function run(args: string[], env: Record<string, string>, cwd = ROOT) {
  const p = start(args, env, cwd);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

interface Served extends Proc {
  url: string;
}

/** Starts `serve` and waits for the line that tells the bound address. */
async function serve(args: string[], env: Record<string, string>): Promise<Served> {
  // No drain period: these servers sit behind no load balancer (shutdown.test.ts tests it).
  const p = start(['serve', ...args], { BZCTRL_PORT: '0', BZCTRL_DRAIN_SECONDS: '0', ...env });
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not start:\n${p.stderr()}`)), 30_000);
    const look = () => {
      const m = /BzCtrl listening on (http:\/\/\S+)/.exec(p.stdout());
      if (m?.[1]) {
        clearTimeout(timer);
        res(m[1]);
      }
    };
    p.child.stdout?.on('data', look);
    p.exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`serve exited with ${code}:\n${p.stdout()}\n${p.stderr()}`));
    });
  });
  // What the command printed before listening may still be on its way through the pipes.
  await new Promise((r) => setTimeout(r, 100));
  return { ...p, url };
}

/** SIGTERM, then the exit code. */
async function stop(p: Proc): Promise<number | null> {
  if (p.child.pid !== undefined) process.kill(p.child.pid, 'SIGTERM');
  return p.exited;
}

async function token(url: string, params: Record<string, string>) {
  const res = await fetch(`${url}${TOKEN_PATH}`, {
    method: 'POST',
    body: new URLSearchParams(params),
  });
  // biome-ignore lint/suspicious/noExplicitAny: whatever the endpoint answered
  return { status: res.status, body: (await res.json()) as any };
}

const password = (url: string, username: string, pw: string) =>
  token(url, { grant_type: 'password', username, password: pw });

function writeJson(name: string, doc: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

const goodDoc = {
  domains: [
    { code: 'CLI-DOM', name: 'CLI Domain', workspaces: [{ code: 'OPS', name: 'Operations' }] },
  ],
  users: [
    {
      email: 'cli-user@example.com',
      name: 'CLI User',
      password: 'Cli-user-pass-1',
      workspaces: ['CLI-DOM-OPS'],
    },
  ],
  clients: [
    {
      clientId: 'cli-client',
      clientSecret: 'cli-client-secret-0001',
      name: 'CLI client',
      workspaces: ['CLI-DOM-OPS'],
    },
  ],
  locations: [{ name: 'Rotterdam' }],
};

/** `provision`'s summary line must show no created or updated entry. */
function expectOnlyUnchanged(stdout: string) {
  const line = stdout.split('\n').find((l) => l.startsWith('Provisioned '));
  expect(line).toBeDefined();
  expect(line).not.toMatch(/[1-9]\d* (created|updated)/);
  expect(line).toMatch(/[1-9]\d* unchanged/);
}

describe('readConfig', () => {
  const problems = (env: Record<string, string>) => {
    try {
      readConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
    throw new Error('the configuration was accepted');
  };

  it('has the documented defaults, and is frozen', () => {
    const c = readConfig({});
    expect(c).toMatchObject({
      databaseUrl: 'sqlite:./data/bzctrl.db',
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      provisionFile: undefined,
      adminEmail: undefined,
      dataDir: './data',
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(readConfig({ BZCTRL_PUBLIC_URL: 'https://acc.example.com/' }).publicUrl).toBe(
      'https://acc.example.com',
    );
  });

  it('reports every problem at once, each naming its variable', () => {
    expect(
      problems({
        BZCTRL_PORT: '80x',
        BZCTRL_DATABASE_URL: 'mysql://db',
        BZCTRL_ADMIN_EMAIL: 'root@example.com',
        BZCTRL_PUBLIC_URL: 'ftp://x',
      }).map((p) => p.split(' ')[0]),
    ).toEqual(['BZCTRL_DATABASE_URL', 'BZCTRL_PORT', 'BZCTRL_PUBLIC_URL', 'BZCTRL_ADMIN_EMAIL']);
  });

  it('takes whole numbers only, within their range', () => {
    for (const port of ['0x50', '1e3', '80.5', '-1', '65536']) {
      expect(problems({ BZCTRL_PORT: port })).toEqual([
        expect.stringMatching(/^BZCTRL_PORT must be a whole number/),
      ]);
    }
    expect(readConfig({ BZCTRL_PORT: ' 0 ' }).port).toBe(0);
  });

  it('checks the first administrator as provisioning would', () => {
    expect(problems({ BZCTRL_ADMIN_EMAIL: 'root', BZCTRL_ADMIN_PASSWORD: 'long-enough' })).toEqual([
      expect.stringMatching(/^BZCTRL_ADMIN_EMAIL must be an e-mail address/),
    ]);
    expect(
      problems({ BZCTRL_ADMIN_EMAIL: 'root@example.com', BZCTRL_ADMIN_PASSWORD: 'short' }),
    ).toEqual([expect.stringMatching(/^BZCTRL_ADMIN_PASSWORD/)]);
  });
});

describe('bzctrl migrate and provision', () => {
  it('migrate applies the migrations, then says the database is up to date', async () => {
    const env = { BZCTRL_DATABASE_URL: freshSqlite() };
    const first = await run(['migrate'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Applied migrations: 001-initial/);
    const second = await run(['migrate'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/up to date/);
    expect(second.stdout).not.toMatch(/Applied/);
  });

  it('provision creates, and applying the same file again leaves everything unchanged', async () => {
    const env = { BZCTRL_DATABASE_URL: freshSqlite() };
    const file = writeJson('good.json', goodDoc);
    const first = await run(['provision', file], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/domains: 1 created, 0 updated, 0 unchanged/);
    expect(first.stdout).toMatch(/users: 1 created, 0 updated, 0 unchanged/);
    expect(first.stdout).toMatch(/clients: 1 created, 0 updated, 0 unchanged/);
    const second = await run(['provision', file], env);
    expect(second.code).toBe(0);
    expectOnlyUnchanged(second.stdout);
    expect(second.stdout).toMatch(/users: 0 created, 0 updated, 1 unchanged/);
  });

  it('provision of a bad file fails, names the bad entries and applies nothing', async () => {
    const untouched = freshSqlite();
    const env = { BZCTRL_DATABASE_URL: freshSqlite() };
    const invalid = writeJson('invalid.json', {
      users: [
        { email: 'ok@example.com', name: 'Ok' },
        { email: 'broken', name: 'Broken', colour: 'red' },
      ],
    });
    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, '{ nope');
    const unknownWs = writeJson('unknown-ws.json', {
      ...goodDoc,
      users: [
        ...goodDoc.users,
        { email: 'lost@example.com', name: 'Lost', workspaces: ['NO-SUCH-WS'] },
      ],
    });
    const [bad, parse, refused] = await Promise.all([
      run(['provision', invalid], { BZCTRL_DATABASE_URL: untouched }),
      run(['provision', notJson], { BZCTRL_DATABASE_URL: untouched }),
      run(['provision', unknownWs], env),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/users\[1\]\.email: "broken" is not a valid e-mail address/);
    expect(bad.stderr).toMatch(/users\[1\]\.colour: unknown property/);
    expect(parse.code).not.toBe(0);
    expect(parse.stderr).toMatch(/not-json\.json is not valid JSON/);
    // A file that fails its checks is refused before the database is even opened.
    expect(existsSync(untouched.slice('sqlite:'.length))).toBe(false);

    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/users\[1\]\.workspaces: unknown workspace "NO-SUCH-WS"/);
    // Nothing of that file was applied: the good file afterwards creates everything.
    const good = await run(['provision', writeJson('good-after.json', goodDoc)], env);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/domains: 1 created/);
    expect(good.stdout).toMatch(/users: 1 created/);
  });

  it('explains usage mistakes with a non-zero exit and without touching the database', async () => {
    const env = { BZCTRL_DATABASE_URL: freshSqlite() };
    const [missing, unknown, extra, option] = await Promise.all([
      run(['provision'], env),
      run(['frobnicate'], env),
      run(['migrate', 'now'], env),
      run(['migrate', '--fast'], env),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/name the provisioning file/);
    expect(missing.stdout).not.toMatch(/migrations|up to date/i);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    expect(unknown.stderr).toMatch(/Usage: bzctrl/);
    expect(extra.code).toBe(2);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/--fast/);
    // None of them created the database.
    const after = await run(['migrate'], env);
    expect(after.stdout).toMatch(/Applied migrations/);
  });

  it('help prints the usage and exits 0', async () => {
    const help = await run(['help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/serve \[--demo\]/);
    expect(help.stdout).toMatch(/provision <file>/);
  });

  it('refuses an invalid configuration, naming every bad variable', async () => {
    const res = await run(['migrate'], {
      BZCTRL_DATABASE_URL: freshSqlite(),
      BZCTRL_PORT: 'abc',
      BZCTRL_ADMIN_EMAIL: 'not-an-address',
      BZCTRL_ADMIN_PASSWORD: 'short',
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/Invalid configuration/);
    expect(res.stderr).toMatch(/BZCTRL_PORT must be a whole number .*"abc"/);
    expect(res.stderr).toMatch(/BZCTRL_ADMIN_EMAIL/);
    expect(res.stderr).toMatch(/BZCTRL_ADMIN_PASSWORD/);
    expect(res.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    const db = await run(['migrate'], { BZCTRL_DATABASE_URL: 'mysql://x' });
    expect(db.code).not.toBe(0);
    expect(db.stderr).toMatch(/BZCTRL_DATABASE_URL/);
  });

  it('reads a .env file in the working directory; real environment variables win', async () => {
    const cwd = mkdtempSync(join(dir, 'envdir-'));
    const file = join(cwd, 'from-dotenv', 'bzctrl.db');
    writeFileSync(
      join(cwd, '.env'),
      `BZCTRL_DATABASE_URL=sqlite:${file}\nBZCTRL_PORT=not-a-port\n`,
    );
    const broken = await run(['migrate'], {}, cwd);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/BZCTRL_PORT .*"not-a-port"/);
    const fixed = await run(['migrate'], { BZCTRL_PORT: '8080' }, cwd);
    expect(fixed.stderr).toBe('');
    expect(fixed.code).toBe(0);
    expect(existsSync(file)).toBe(true);
  });

  it.skipIf(!inject('postgresUrl'))(
    'migrate and provision a fresh PostgreSQL database',
    async () => {
      const admin = inject('postgresUrl');
      const name = `bzctrl_cli_${process.pid}_${Date.now()}`;
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      try {
        const u = new URL(admin);
        u.pathname = `/${name}`;
        const env = { BZCTRL_DATABASE_URL: u.toString() };
        const migrated = await run(['migrate'], env);
        expect(migrated.stderr).toBe('');
        expect(migrated.code).toBe(0);
        expect(migrated.stdout).toMatch(/Applied migrations: 001-initial/);
        const file = writeJson('pg.json', goodDoc);
        const first = await run(['provision', file], env);
        expect(first.code).toBe(0);
        expect(first.stdout).toMatch(/Database is up to date/);
        expect(first.stdout).toMatch(/users: 1 created/);
        const second = await run(['provision', file], env);
        expect(second.code).toBe(0);
        expectOnlyUnchanged(second.stdout);
      } finally {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      }
    },
  );
});

describe('bzctrl serve', () => {
  it('without users or BZCTRL_ADMIN_* says how to create the first administrator', async () => {
    const s = await serve([], { BZCTRL_DATABASE_URL: freshSqlite() });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.url).not.toMatch(/:0$/);
    await waitFor(async () => /No user exists yet/.test(s.stderr()));
    expect(s.stderr()).toMatch(/BZCTRL_ADMIN_EMAIL=.*BZCTRL_ADMIN_PASSWORD=/);
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await stop(s)).toBe(0);
  });

  it('creates the first administrator and applies BZCTRL_PROVISION before listening', async () => {
    const env = {
      BZCTRL_DATABASE_URL: freshSqlite(),
      BZCTRL_ADMIN_EMAIL: 'root@example.com',
      BZCTRL_ADMIN_PASSWORD: 'Root-pass-123',
      BZCTRL_PROVISION: writeJson('serve.json', goodDoc),
    };
    const s = await serve([], env);
    expect(s.stderr()).not.toMatch(/No user exists/);
    expect(s.stdout()).toMatch(/first administrator root@example\.com/);
    expect(s.stdout()).toMatch(/Provisioned .*serve\.json: .*users: 1 created/);
    // Both the administrator and the file's user exist, though the file also adds users.
    const root = await password(s.url, 'root@example.com', 'Root-pass-123');
    expect(root.status).toBe(200);
    expect(root.body.scope.split(' ')).toContain('admin');
    const user = await password(s.url, 'cli-user@example.com', 'Cli-user-pass-1');
    expect(user.status).toBe(200);
    expect(user.body.scope.split(' ')).not.toContain('admin');
    expect(await stop(s)).toBe(0);

    // A second start changes nothing: the file is unchanged, the administrator exists.
    const again = await serve([], { ...env, BZCTRL_ADMIN_PASSWORD: 'Another-pass-1' });
    expectOnlyUnchanged(again.stdout());
    expect(again.stdout()).not.toMatch(/first administrator/);
    expect((await password(again.url, 'root@example.com', 'Root-pass-123')).status).toBe(200);
    expect((await password(again.url, 'root@example.com', 'Another-pass-1')).status).toBe(400);
    expect(await stop(again)).toBe(0);
  });

  it('does not start with a bad BZCTRL_PROVISION file', async () => {
    const res = await run(['serve'], {
      BZCTRL_DATABASE_URL: freshSqlite(),
      BZCTRL_PORT: '0',
      BZCTRL_PROVISION: writeJson('serve-bad.json', {
        clients: [
          {
            clientId: 'x',
            clientSecret: 'x-client-secret-00001',
            name: 'X',
            workspaces: ['A-B-C'],
            defaultWorkspace: 'A-B-D',
          },
        ],
      }),
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/clients\[0\]\.defaultWorkspace/);
    expect(res.stdout).not.toMatch(/listening/);
  });

  describe('--demo', () => {
    let s: Served;
    beforeAll(async () => {
      s = await serve(['--demo'], { BZCTRL_DATABASE_URL: freshSqlite() });
    });

    it('provisions the demo, whose printed credentials work', async () => {
      expect(s.stdout()).toMatch(/Provisioned .*demo\.provision\.json/);
      await waitFor(async () => s.stdout().includes(`demo is running at ${s.url}`));
      expect(s.stdout()).toMatch(/admin@example\.com \/ Admin@12345/);
      expect(s.stderr()).not.toMatch(/No user exists/);
      // The printed web app address answers (npm test builds the app first).
      expect(s.stdout()).toContain(`web app:    ${s.url}/app/`);
      expect((await fetch(`${s.url}/app/`)).status).toBe(200);
      const admin = await password(s.url, 'admin@example.com', 'Admin@12345');
      expect(admin.status).toBe(200);
      expect(admin.body.scope.split(' ')).toContain('admin');
      const member = await password(s.url, 'example@example.com', 'Ex@mpl3!');
      expect(member.status).toBe(200);
      const client = await token(s.url, {
        grant_type: 'client_credentials',
        client_id: 'erp',
        client_secret: 'erp-demo-client-secret',
      });
      expect(client.status).toBe(200);
      // The member can use the token on the API.
      const read = await fetch(`${s.url}/bzctrl-core-api/api/v1/tasks/IMP-NLD-EXA-SWA-999`, {
        headers: { authorization: `Bearer ${member.body.access_token}` },
      });
      expect(read.status).toBe(404);
    });

    it('logs readable lines without one per request, so the sign-ins stay in sight', async () => {
      // The log level a newcomer has: none set.
      const quiet = await serve(['--demo'], {
        BZCTRL_DATABASE_URL: freshSqlite(),
        BZCTRL_LOG_LEVEL: '',
      });
      try {
        await waitFor(async () => quiet.stdout().includes('do not expose this server'));
        const before = quiet.stdout();
        for (let i = 0; i < 5; i++) {
          expect((await fetch(`${quiet.url}/healthz`)).status).toBe(200);
          expect((await password(quiet.url, 'example@example.com', 'wrong')).status).toBe(400);
        }
        // The process's own info lines are there, as text, not JSON.
        const listening = /^\d\d:\d\d:\d\d INFO {2}Server listening at http/m;
        await waitFor(async () => listening.test(quiet.stdout()));
        await new Promise((r) => setTimeout(r, 300));
        const out = quiet.stdout();
        expect(out).not.toMatch(/^\{"level"/m);
        expect(out).not.toMatch(/incoming request|request completed/);
        // Ten requests later the banner is still the last thing printed.
        expect(out).toBe(before);
        expect(out.trimEnd().split('\n').slice(-8).join('\n')).toContain(
          'admin:      admin@example.com / Admin@12345',
        );
      } finally {
        await stop(quiet);
      }
      // Asking for a level brings the request lines back, readable too.
      const loud = await serve(['--demo'], {
        BZCTRL_DATABASE_URL: freshSqlite(),
        BZCTRL_LOG_LEVEL: 'info',
      });
      try {
        expect((await fetch(`${loud.url}/healthz`)).status).toBe(200);
        await waitFor(async () => /INFO {2}incoming request .*GET \/healthz/.test(loud.stdout()));
      } finally {
        await stop(loud);
      }
    });

    it('on SIGTERM stops accepting, finishes the request in flight and exits 0', async () => {
      const { hostname, port } = new URL(s.url);
      const body = new URLSearchParams({
        grant_type: 'password',
        username: 'admin@example.com',
        password: 'Admin@12345',
      }).toString();
      // A token request whose body is only half sent: in flight until we finish it.
      const req = http.request({
        host: hostname,
        port,
        method: 'POST',
        path: TOKEN_PATH,
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      });
      const response = new Promise<{ status: number; text: string }>((res, rej) => {
        req.on('response', (r) => {
          let text = '';
          r.setEncoding('utf8').on('data', (d: string) => {
            text += d;
          });
          r.on('end', () => res({ status: r.statusCode ?? 0, text }));
        });
        req.on('error', rej);
      });
      response.catch(() => undefined); // awaited below; a failure there is the test's

      req.write(body.slice(0, 10));
      // Give the server time to read the headers: before that the connection counts as idle.
      await new Promise((r) => setTimeout(r, 300));

      if (s.child.pid !== undefined) process.kill(s.child.pid, 'SIGTERM');
      // It stops accepting new connections...
      await waitFor(async () => (await probe(hostname, port)) === 'refused');
      expect(s.child.exitCode).toBeNull();
      // ...but answers the request it had already started.
      req.end(body.slice(10));
      const answer = await response;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text).access_token).toEqual(expect.any(String));
      expect(await s.exited).toBe(0);
    });
  });
});

/** Whether a new connection to the port is accepted. */
function probe(host: string, port: string): Promise<'open' | 'refused'> {
  return new Promise((res) => {
    const r = http.get({ host, port, path: '/healthz', agent: false }, (reply) => {
      reply.resume();
      res('open');
    });
    r.on('error', () => res('refused'));
  });
}

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
