import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A real server from the server's own test harness: the CLI is tested against the real API.
import { PASSWORDS, startTestServer, type TestServer } from '../../server/test/support/harness.ts';

/**
 * `bzctrl login` and `bzctrl todo …` as a person runs them: a real process per command (the
 * one `bzctrl` command, which hands these to @bzctrl/cli), talking through the SDK to a real
 * server. The CLI's output is checked against the API.
 */

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const BIN = join(ROOT, 'apps/server/bin/bzctrl.js');
const WS = 'IMP-NLD-EXA-SWA';
const USER = 'example@example.com';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let s: TestServer;
let home: string;
let token: string;
beforeAll(async () => {
  s = await startTestServer('sqlite');
  home = mkdtempSync(join(tmpdir(), 'bzctrl-cli-todo-'));
  token = await s.login(USER);
});
afterAll(async () => {
  await s?.close();
  rmSync(home, { recursive: true, force: true });
});

/** Runs `bzctrl …` with its own config directory (the logged-in one by default). */
function bzctrl(args: string[], opts: { stdin?: string; configDir?: string } = {}): Promise<Run> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('BZCTRL_')),
  );
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: home,
    env: { ...env, BZCTRL_CONFIG_DIR: opts.configDir ?? join(home, 'config') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(opts.stdin ?? '');
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

const json = (run: Run) => {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
};

const api = async (path: string) => {
  const res = await s.request('GET', `/bzctrl-core-api/api/v1${path}`, { token });
  expect(res.status).toBe(200);
  return res.body;
};

describe('bzctrl login', () => {
  it('refuses a bad password with one clear line and stores nothing', async () => {
    const dir = join(home, 'bad-login');
    const run = await bzctrl(
      ['login', '--url', s.url, '--username', USER, '--password', 'not-the-password'],
      { configDir: dir },
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^bzctrl: login failed: .*(password|credentials)/i);
    const after = await bzctrl(['todo', 'list'], { configDir: dir });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/not logged in: run `bzctrl login/);
  });

  it('signs in with --password-stdin and keeps the tokens in a private file, never printing them', async () => {
    const run = await bzctrl(['login', '--url', s.url, '--username', USER, '--password-stdin'], {
      stdin: `${PASSWORDS[USER]}\n`,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`Logged in to ${s.url} as ${USER}`));
    const file = join(home, 'config', 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    expect(stored).toMatchObject({ url: s.url });
    expect(stored.accessToken).toBeTruthy();
    expect(stored.refreshToken).toBeTruthy();
    expect(run.stdout).not.toContain(stored.accessToken);
    expect(run.stdout).not.toContain(stored.refreshToken);
    expect(JSON.stringify(stored)).not.toContain(PASSWORDS[USER]);
  });

  it('explains its usage mistakes with exit code 2', async () => {
    const run = await bzctrl(['login', '--url', s.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/give --username, or --client-id and --client-secret/);
    const help = await bzctrl(['login', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--password-stdin/);
  });
});

describe('bzctrl todo', () => {
  let key: string;

  it('adds a todo; --json prints exactly what the API answers', async () => {
    const run = await bzctrl([
      'todo',
      'add',
      '--type',
      'TASK',
      '--title',
      'Check container MSCU1234567',
      '--description',
      'Seal number differs',
      '--workspace',
      WS,
      '--reporter',
      USER,
      '--priority',
      'high',
      '--tag',
      'cli',
      '--tag',
      'seal',
      '--json',
    ]);
    const todo = json(run);
    expect(todo).toMatchObject({
      todoType: 'TASK',
      title: 'Check container MSCU1234567',
      workspace: WS,
      priority: 'HIGH',
    });
    expect(todo.tags).toEqual(expect.arrayContaining(['cli', 'seal']));
    key = todo.key;
    expect(await api(`/todos/${key}`)).toEqual(todo);
  });

  it('checks a todo with --dry-run without storing it', async () => {
    const before = (await api(`/todos?workspace=${WS}&limit=100`)).items.length;
    const run = await bzctrl([
      'todo',
      'add',
      '--type',
      'TASK',
      '--title',
      'Only a check',
      '--description',
      'dry',
      '--workspace',
      WS,
      '--reporter',
      USER,
      '--dry-run',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Dry run: valid, nothing was stored/);
    expect(run.stdout).toMatch(/Title:\s+Only a check/);
    expect((await api(`/todos?workspace=${WS}&limit=100`)).items.length).toBe(before);
  });

  it('names every invalid field on one line and exits non-zero', async () => {
    const run = await bzctrl([
      'todo',
      'add',
      '--type',
      'TASK',
      '--description',
      'no title',
      '--workspace',
      WS,
      '--reporter',
      USER,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^bzctrl: .*title: is required/);
  });

  it('gets a todo as fields or as the API object', async () => {
    const human = await bzctrl(['todo', 'get', key]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`Key:\\s+${key}`));
    expect(human.stdout).toMatch(/Title:\s+Check container MSCU1234567/);
    expect(human.stdout).toMatch(/Link:\s+https:\/\/bzctrl\.test\/app\/#\/todo\//);
    expect(json(await bzctrl(['todo', 'get', key, '--json']))).toEqual(await api(`/todos/${key}`));
  });

  it('lists todos as a table, as the API page, and all pages with --all', async () => {
    const human = await bzctrl(['todo', 'list', '--workspace', WS]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^KEY\s+TYPE\s+STATUS\s+PRIORITY\s+ASSIGNEE\s+TITLE/);
    expect(human.stdout).toContain(key);
    const page = json(await bzctrl(['todo', 'list', '--workspace', WS, '--json']));
    expect(page).toEqual(await api(`/todos?workspace=${WS}`));
    const second = await bzctrl([
      'todo',
      'add',
      '--type',
      'INCIDENT',
      '--title',
      'Second',
      '--description',
      'two',
      '--workspace',
      WS,
      '--reporter',
      USER,
      '--json',
    ]);
    const all = json(
      await bzctrl(['todo', 'list', '--workspace', WS, '--limit', '1', '--all', '--json']),
    );
    expect(all.items.map((t: { key: string }) => t.key)).toEqual(
      expect.arrayContaining([key, json(second).key]),
    );
    const searched = json(await bzctrl(['todo', 'list', '--q', 'MSCU1234567', '--json']));
    expect(searched.items.map((t: { key: string }) => t.key)).toEqual([key]);
  });

  it('updates fields and shows the result', async () => {
    const run = await bzctrl([
      'todo',
      'update',
      key,
      '--status',
      'DONE',
      '--priority',
      'LOW',
      '--json',
    ]);
    const todo = json(run);
    expect(todo).toMatchObject({ key, status: 'DONE', priority: 'LOW' });
    expect(await api(`/todos/${key}`)).toEqual(todo);
    const nothing = await bzctrl(['todo', 'update', key]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/name at least one field/);
  });

  it('comments on a todo', async () => {
    const run = await bzctrl(['todo', 'comment', key, 'Customs', 'released', 'it']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`Commented on ${key}`));
    const comments = await api(`/todos/${key}/comments`);
    expect(comments.items.map((c: { body: string }) => c.body)).toContain('Customs released it');
  });

  it('answers another customer’s todo as not found', async () => {
    const outsider = await s.login('outsider@other.example');
    const foreign = await s.request('POST', '/bzctrl-core-api/api/v1/task/add-task', {
      token: outsider,
      body: {
        todoType: 'TASK',
        domainWorkSpace: 'OTH-BEL-ANT-OPS',
        title: 'Not yours',
        description: 'foreign',
        reporter: 'outsider@other.example',
      },
    });
    expect(foreign.status).toBe(201);
    const run = await bzctrl(['todo', 'get', foreign.body.key]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`bzctrl: No todo ${foreign.body.key}\n`);
    const listed = json(await bzctrl(['todo', 'list', '--all', '--json']));
    expect(listed.items.map((t: { key: string }) => t.key)).not.toContain(foreign.body.key);
  });

  it('has --help per command and refuses unknown options with exit code 2', async () => {
    for (const cmd of ['add', 'get', 'list', 'update', 'comment']) {
      const help = await bzctrl(['todo', cmd, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: bzctrl todo ${cmd}`));
    }
    const bad = await bzctrl(['todo', 'list', '--colour', 'red']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--colour/);
    expect(bad.stderr).toMatch(/Usage: bzctrl todo list/);
  });
});

describe('bzctrl events tail', () => {
  it('prints what the feed holds with --once, and the cursor to go on from', async () => {
    const made = await s.request('POST', '/bzctrl-core-api/api/v1/task/add-task', {
      token,
      body: {
        todoType: 'TASK',
        domainWorkSpace: WS,
        title: 'Seen by events tail',
        description: 'd',
        reporter: USER,
      },
    });
    expect(made.status).toBe(201);
    const run = await bzctrl(['events', 'tail', '--once', '--json']);
    expect(run.code).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.find((e) => e.todo.key === made.body.key)).toMatchObject({
      type: 'todo.created',
      dialect: 'bzctrl',
    });
    const next = /^next: (\S+)$/m.exec(run.stderr)?.[1];
    expect(next).toBeTruthy();
    const after = await bzctrl(['events', 'tail', '--once', '--after', next ?? '']);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe('');
  });

  it('follows new events as they happen until stopped', async () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('BZCTRL_')),
    );
    const start = await bzctrl(['events', 'tail', '--once']);
    const from = /^next: (\S+)$/m.exec(start.stderr)?.[1] ?? '';
    const child = spawn(process.execPath, [BIN, 'events', 'tail', '--after', from], {
      cwd: home,
      env: { ...env, BZCTRL_CONFIG_DIR: join(home, 'config') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const closed = new Promise<number | null>((done) => child.on('close', done));
    const made = await s.request('POST', '/bzctrl-core-api/api/v1/task/add-task', {
      token,
      body: {
        todoType: 'TASK',
        domainWorkSpace: WS,
        title: 'Followed live',
        description: 'd',
        reporter: USER,
      },
    });
    expect(made.status).toBe(201);
    const deadline = Date.now() + 20_000;
    while (!out.includes(made.body.key) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    expect(out).toMatch(
      new RegExp(`todo\\.created\\s+${made.body.key}\\s+INPROGRESS\\s+by ${USER} via bzctrl`),
    );
  });

  it('explains its usage', async () => {
    const bad = await bzctrl(['events', 'follow']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown events command "follow"/);
    const help = await bzctrl(['events', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--include-own/);
  });
});
