import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/harness.ts';
import { startReceiver } from '../../server/test/support/receiver.ts';

/**
 * `bzctrl webhooks add|list|deliveries|replay` as an API client runs them: a real process
 * per command, through the SDK, against a real server delivering to a real receiver.
 */

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const BIN = join(ROOT, 'apps/server/bin/bzctrl.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let s: TestServer;
let home: string;
let rx: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  s = await startTestServer('sqlite', {
    env: {
      BZCTRL_JOBS: 'true',
      BZCTRL_JOB_INTERVAL: '3600',
      BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true',
      BZCTRL_WEBHOOK_BACKOFF_MS: '20',
    },
  });
  rx = await startReceiver();
  home = mkdtempSync(join(tmpdir(), 'bzctrl-cli-webhooks-'));
});
afterAll(async () => {
  await s?.close();
  await rx?.close();
  rmSync(home, { recursive: true, force: true });
});

function bzctrl(args: string[]): Promise<Run> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('BZCTRL_')),
  );
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: home,
    env: { ...env, BZCTRL_CONFIG_DIR: join(home, 'config') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

const json = (run: Run) => {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
};

describe('bzctrl webhooks', () => {
  it('adds, lists, shows deliveries and replays, as an API client', async () => {
    const login = await bzctrl([
      'login',
      '--url',
      s.url,
      '--client-id',
      'erp',
      '--client-secret',
      'erp-client-secret-0001',
    ]);
    expect(login.code, login.stderr).toBe(0);

    const added = await bzctrl(['webhooks', 'add', '--url', rx.url, '--event', 'todo.created']);
    expect(added.code, added.stderr).toBe(0);
    const id = Number(/Created webhook (\d+)/.exec(added.stdout)?.[1]);
    expect(id).toBeGreaterThan(0);
    expect(added.stdout).toMatch(/shown only now[^\n]*\nwhsec_\S{40,}/);

    const listed = await bzctrl(['webhooks', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}\\s+enabled\\s+erp\\s+todo\\.created\\s+all\\s+${rx.url}`, 'm'),
    );
    expect(listed.stdout).not.toContain('whsec_');
    const asJson = json(await bzctrl(['webhooks', 'list', '--json']));
    expect(asJson.items).toEqual([expect.objectContaining({ id, url: rx.url })]);

    // An event by someone else (echo suppression keeps the client's own away).
    const token = await s.login('example@example.com');
    const created = await s.request('POST', '/bzctrl-core-api/api/v1/todos', {
      token,
      body: {
        todoType: 'TASK',
        workspace: 'IMP-NLD-EXA-SWA',
        title: 'For the CLI',
        description: 'd',
        reporter: 'example@example.com',
      },
    });
    expect(created.status).toBe(201);
    await rx.until(() => rx.got.length >= 1);
    // Recorded just after the receiver answered: wait for that through the API.
    for (let i = 0; i < 100; i++) {
      const res = await s.request('GET', `/bzctrl-core-api/api/v1/webhooks/${id}/deliveries`, {
        token: await s.login('admin@example.com'),
      });
      if (res.body.items[0]?.status === 'delivered') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const log = json(await bzctrl(['webhooks', 'deliveries', String(id), '--json']));
    expect(log.items).toHaveLength(1);
    const deliveryId = log.items[0]?.id ?? 0;
    const table = await bzctrl(['webhooks', 'deliveries', String(id)]);
    expect(table.stdout).toMatch(
      new RegExp(`^${deliveryId}\\s+delivered\\s+1\\s+todo\\.created\\s+204\\s+-`, 'm'),
    );

    const replayed = await bzctrl(['webhooks', 'replay', String(id), String(deliveryId)]);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toMatch(new RegExp(`a replay of ${deliveryId}`));
    await rx.until(() => rx.got.length >= 2);
    expect(rx.got[1]?.headers['webhook-id']).toBe(rx.got[0]?.headers['webhook-id']);
  });

  it('explains mistakes with the usage, and the server refusals on one line', async () => {
    const noUrl = await bzctrl(['webhooks', 'add']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/--url is required[\s\S]*Usage: bzctrl webhooks add/);
    const badId = await bzctrl(['webhooks', 'replay', 'x', '1']);
    expect(badId.code).toBe(2);
    const unknown = await bzctrl(['webhooks', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown webhooks command/);
    const refused = await bzctrl(['webhooks', 'add', '--url', 'ftp://example.com/x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^bzctrl: url: must be an https:\/\/ URL$/);
    const missing = await bzctrl(['webhooks', 'deliveries', '999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No webhook 999999/);
    const helpRun = await bzctrl(['webhooks', '--help']);
    expect(helpRun.code).toBe(0);
    expect(helpRun.stdout).toMatch(/add .*\n.*list/);
  });
});
