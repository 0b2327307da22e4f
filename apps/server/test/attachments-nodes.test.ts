import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStore } from '../src/core/attachments/file-storage.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { runBzctrl, type ServeProcess, spawnServe } from './support/serve-process.ts';

/**
 * Attachments on several nodes over one PostgreSQL (issue 15 item 1): each node has a data
 * directory of its own, yet any node serves any file, because the bytes are in the
 * database; and `bzctrl attachments migrate` moves files an older version stored in a
 * data directory into the database.
 */

const API = '/bzctrl-core-api/api/v1';
const MB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!dialects.includes('postgres'))('attachments on two nodes', () => {
  let a: TestServer;
  let b: ServeProcess;
  let bUrl: string;
  let dirA: string;
  let dirB: string;
  let token: string;

  const get = (base: string, path: string) =>
    fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const createTodo = async (title: string) => {
    const res = await a.request('POST', `${API}/todos`, {
      token,
      body: { title, description: title, todoType: 'TASK', workspace: 'IMP-NLD-EXA-SWA' },
    });
    expect(res.status, res.text).toBe(201);
    const row = await a.server.db.kysely
      .selectFrom('todos')
      .select(['id', 'workspaceId'])
      .where('key', '=', res.body.key)
      .executeTakeFirstOrThrow();
    return { key: res.body.key as string, ...row };
  };
  const chunkCount = async (storagePath: string) =>
    Number(
      (
        await a.server.db.kysely
          .selectFrom('attachmentChunks')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('storagePath', '=', storagePath)
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    dirA = mkdtempSync(join(tmpdir(), 'bzctrl-node-a-'));
    dirB = mkdtempSync(join(tmpdir(), 'bzctrl-node-b-'));
    a = await startTestServer('postgres', { env: { BZCTRL_DATA_DIR: dirA } });
    b = spawnServe({
      BZCTRL_DATABASE_URL: a.databaseUrl,
      BZCTRL_DATA_DIR: dirB,
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      BZCTRL_JOBS: 'false',
    });
    bUrl = await b.listening;
    token = await a.login('example@example.com');
  }, 120_000);
  afterAll(async () => {
    await b?.stop();
    await a?.close();
    for (const d of [dirA, dirB]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('serves a file uploaded on node A from node B, byte for byte, and deletes it everywhere', async () => {
    const content = randomBytes(6 * MB + 12_345);
    const todo = await createTodo('Photos of the seals');
    const fd = new FormData();
    fd.append('file', new Blob([content]), 'seals.bin');
    const up = await a.request('POST', `${API}/uploads`, { token, body: fd });
    expect(up.status, up.text).toBe(201);
    expect(up.body.sha256).toBe(sha256(content));
    const attached = await a.request('POST', `${API}/todos/${todo.key}/attachments`, {
      token,
      body: { upload: up.body.ref },
    });
    expect(attached.status, attached.text).toBe(201);
    const path = `${API}/todos/${todo.key}/attachments/${attached.body.id}`;

    const fromB = await get(bUrl, path);
    expect(fromB.status).toBe(200);
    expect(fromB.headers.get('content-length')).toBe(String(content.length));
    const bytes = Buffer.from(await fromB.arrayBuffer());
    expect(sha256(bytes)).toBe(sha256(content));
    // Neither node wrote it to its own disk.
    for (const d of [dirA, dirB]) expect(existsSync(join(d, 'attachments'))).toBe(false);

    const row = await a.server.db.kysely
      .selectFrom('attachments')
      .select('storagePath')
      .where('ref', '=', up.body.ref)
      .executeTakeFirstOrThrow();
    expect(await chunkCount(row.storagePath)).toBe(Math.ceil(content.length / (256 * 1024)));
    const del = await fetch(`${bUrl}${path}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(del.status).toBe(204);
    expect((await get(a.url, path)).status).toBe(404);
    expect(await chunkCount(row.storagePath)).toBe(0);
  }, 120_000);

  it('moves files an older version stored on node A into the database, resumably', async () => {
    const todo = await createTodo('Customs papers');
    const files = fileStore(dirA);
    const now = new Date();
    // Rows as a version that kept attachments in the data directory stored them.
    const storeAsFile = async (name: string, content: Buffer) => {
      const stored = await files.receive(Readable.from([content]), () => false, now);
      if (!stored) throw new Error('not stored');
      const row = await a.server.db.kysely
        .insertInto('attachments')
        .values({
          ref: randomBytes(16).toString('base64url'),
          uploader: 'user:1',
          uploadedBy: 'example@example.com',
          name,
          size: stored.size,
          contentType: 'application/octet-stream',
          sha256: stored.sha256,
          storage: 'file',
          storagePath: stored.storagePath,
          createdAt: now.toISOString(),
          todoId: todo.id,
          workspaceId: todo.workspaceId,
          attachedAt: now.toISOString(),
        })
        .returning(['id', 'storagePath'])
        .executeTakeFirstOrThrow();
      return { ...row, content, url: `${API}/todos/${todo.key}/attachments/${row.id}` };
    };
    const big = await storeAsFile('manifest.pdf', randomBytes(MB + 7));
    const small = await storeAsFile('note.txt', Buffer.from('Seal 4471 checked\n'));
    const gone = await storeAsFile('lost-scan.png', randomBytes(1000));
    const bad = await storeAsFile('tampered.bin', randomBytes(2000));
    rmSync(join(dirA, gone.storagePath));
    writeFileSync(join(dirA, bad.storagePath), randomBytes(2000));

    // Half-migrated (all of them, so far): node A serves its files; B has no such files.
    const beforeA = await get(a.url, big.url);
    expect(beforeA.status).toBe(200);
    expect(Buffer.from(await beforeA.arrayBuffer()).equals(big.content)).toBe(true);
    expect((await get(bUrl, big.url)).status).toBe(500);

    const env = { BZCTRL_DATABASE_URL: a.databaseUrl, BZCTRL_DATA_DIR: dirA };
    const first = await runBzctrl(['attachments', 'migrate'], env);
    expect(first.code, first.out + first.err).toBe(1);
    expect(first.out).toContain('4 attachments are files in');
    expect(first.out).toContain(`moved #${big.id} manifest.pdf`);
    expect(first.out).toMatch(
      /Moved 2 attachments \(\d+ bytes\) into the database; 0 were there already; 1 missing, 1 corrupt/,
    );
    expect(first.err).toContain(`missing: #${gone.id} lost-scan.png (${gone.storagePath})`);
    expect(first.err).toContain(`corrupt: #${bad.id} tampered.bin (${bad.storagePath})`);

    // Node B, without those files, now serves the moved ones byte for byte.
    for (const f of [big, small]) {
      const res = await get(bUrl, f.url);
      expect(res.status).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(f.content));
      expect(existsSync(join(dirA, f.storagePath))).toBe(false);
    }
    // The corrupt one keeps its file and its row's storage; nothing half-moved.
    expect(existsSync(join(dirA, bad.storagePath))).toBe(true);
    expect(await chunkCount(bad.storagePath)).toBe(0);

    // Run again: what is done is skipped; the same two are reported.
    const again = await runBzctrl(['attachments', 'migrate'], env);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/Moved 0 attachments .*; 2 were there already; 1 missing, 1 corrupt/);

    // Once the operator has removed the two broken attachments, it finishes cleanly.
    for (const f of [gone, bad]) {
      const res = await fetch(`${a.url}${f.url}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(204);
    }
    const last = await runBzctrl(['attachments', 'migrate'], env);
    expect(last.code, last.out + last.err).toBe(0);
    expect(last.out).toMatch(/Moved 0 attachments .*; 2 were there already; 0 missing, 0 corrupt/);
  }, 180_000);
});

describe('bzctrl attachments migrate on SQLite', () => {
  it('says that SQLite keeps its files, and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bzctrl-migrate-sqlite-'));
    try {
      const env = { BZCTRL_DATABASE_URL: `sqlite:${join(dir, 'bzctrl.db')}`, BZCTRL_DATA_DIR: dir };
      const run = await runBzctrl(['attachments', 'migrate'], env);
      expect(run.code).toBe(1);
      expect(run.err).toContain('only on PostgreSQL');
      expect(existsSync(join(dir, 'bzctrl.db'))).toBe(false);
      const usage = await runBzctrl(['attachments', 'move'], env);
      expect(usage.code).toBe(2);
      expect(usage.err).toContain('the one subcommand is migrate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
