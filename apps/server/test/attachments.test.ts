import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeStaleUploads } from '../src/core/attachments/attachments.service.ts';
import { readConfig } from '../src/platform/config.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

const API = '/bzctrl-core-api/api/v1';
const UPLOADS = `${API}/uploads`;
const OPRFILE = '/api/oprfile';
const LIMIT = 64 * 1024;
const HOUR = 60 * 60 * 1000;

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  randomBytes(300),
]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every file under a directory, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/**
 * A multipart body built by hand, so a file name can carry what FormData would escape
 * (NUL bytes, control characters, path parts).
 */
function rawMultipart(filename: Buffer | string, content: Buffer, field = 'file') {
  const boundary = `----bzctrl${randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="`),
    Buffer.isBuffer(filename) ? filename : Buffer.from(filename, 'utf8'),
    Buffer.from('"\r\nContent-Type: text/plain\r\n\r\n'),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(dialects)('attachments on %s', (dialect) => {
  let t: TestServer;
  let dataDir: string;
  let member: string; // example@example.com: SWA and FIN
  let colleague: string; // username@example.com: SWA
  let vtti: string; // user@vtti.com: FIN only
  let outsider: string; // another customer

  const form = (content: Buffer, name: string, type = 'application/octet-stream') => {
    const fd = new FormData();
    fd.append('file', new Blob([content], { type }), name);
    return fd;
  };
  const upload = async (token: string, content: Buffer, name: string, type?: string) => {
    const res = await t.request('POST', UPLOADS, { token, body: form(content, name, type) });
    expect(res.status, res.text).toBe(201);
    return res.body as {
      ref: string;
      name: string;
      size: number;
      contentType: string;
      sha256: string;
    };
  };
  const postRaw = async (path: string, token: string, m: ReturnType<typeof rawMultipart>) => {
    const res = await fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': m.contentType },
      body: m.body,
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever came back
    return { status: res.status, body: (await res.json()) as any };
  };
  const createTodo = async (workspace = 'IMP-NLD-EXA-SWA', token = member) => {
    const res = await t.request('POST', `${API}/task/add-task`, {
      token,
      body: {
        todoType: 'TASK',
        domainWorkSpace: workspace,
        title: 'Check the seal photos',
        description: 'Photos of the seals are attached',
        reporter: workspace === 'IMP-NLD-EXA-SWA' ? 'example@example.com' : 'user@vtti.com',
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body as { key: string; id: number };
  };
  const attach = (todo: string, upload: string, token = member) =>
    t.request('POST', `${API}/todos/${todo}/attachments`, { token, body: { upload } });
  const rowOf = (ref: string) =>
    t.server.db.kysely
      .selectFrom('attachments')
      .selectAll()
      .where('ref', '=', ref)
      .executeTakeFirst();
  /** Where uploads' bytes are: files in the data directory, or chunk keys (PostgreSQL). */
  const storedKeys = async (): Promise<string[]> => {
    if (dialect === 'sqlite') return filesUnder(dataDir);
    const rows = await t.server.db.kysely
      .selectFrom('attachmentChunks')
      .select('storagePath')
      .distinct()
      .orderBy('storagePath')
      .execute();
    return rows.map((r) => r.storagePath);
  };
  const isStored = async (storagePath: string) => (await storedKeys()).includes(storagePath);
  const STORED_KEY = dialect === 'sqlite' ? /^attachments\/\d{4}\/[0-9a-f]{32}$/ : /^[0-9a-f]{32}$/;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bzctrl-attachments-'));
    t = await startTestServer(dialect, {
      env: { BZCTRL_DATA_DIR: dataDir, BZCTRL_UPLOAD_LIMIT: String(LIMIT) },
    });
    [member, colleague, vtti, outsider] = await Promise.all([
      t.login('example@example.com'),
      t.login('username@example.com'),
      t.login('user@vtti.com'),
      t.login('outsider@other.example'),
    ]);
  });
  afterAll(async () => {
    await t?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores a native upload streamed, hashed and sniffed, under a random name', async () => {
    const up = await upload(member, PDF, 'customs declaration.pdf', 'text/html');
    expect(up).toEqual({
      ref: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      name: 'customs declaration.pdf',
      size: PDF.length,
      contentType: 'application/pdf',
      sha256: sha256(PDF),
    });
    const row = await rowOf(up.ref);
    expect(row).toMatchObject({ todoId: null, uploadedBy: 'example@example.com' });
    if (dialect === 'sqlite') {
      expect(row?.storage).toBe('file');
      expect(row?.storagePath).toMatch(
        new RegExp(`^attachments/${new Date().getUTCFullYear()}/[0-9a-f]{32}$`),
      );
      expect(filesUnder(join(dataDir, 'attachments', 'tmp'))).toEqual([]);
    } else {
      // In the database, so every node serves it; nothing on this node's disk.
      expect(row?.storage).toBe('database');
      expect(row?.storagePath).toMatch(STORED_KEY);
      expect(filesUnder(dataDir)).toEqual([]);
      const chunks = await t.server.db.kysely
        .selectFrom('attachmentChunks')
        .select(['seq', 'data'])
        .where('storagePath', '=', row?.storagePath ?? '')
        .orderBy('seq')
        .execute();
      expect(chunks.map((c) => c.seq)).toEqual([0]);
      expect(Buffer.concat(chunks.map((c) => c.data)).equals(PDF)).toBe(true);
    }
    expect(await storedKeys()).toContain(row?.storagePath);
  });

  it("answers POST /api/oprfile with seed 003's shape exactly", async () => {
    const res = await t.request('POST', OPRFILE, {
      token: member,
      body: form(PNG, 'simple_add_your_logo_rubber_stamp-r4b9fb34b_6ogxj_307.jpg', 'image/jpeg'),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      refFileName: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      realName: 'simple_add_your_logo_rubber_stamp-r4b9fb34b_6ogxj_307.jpg',
      link: null,
    });
    // The reference is an ordinary upload of the caller's: it attaches natively too.
    const todo = await createTodo();
    const attached = await attach(todo.key, res.body.refFileName);
    expect(attached.status, attached.text).toBe(201);
    expect(attached.body.contentType).toBe('image/png');
  });

  it('takes an upload whose Content-Type carries a copied boundary before the real one', async () => {
    // What a seed-003 curl command sends: its copied header, then curl's own boundary.
    const real = 'curl-own-boundary-1234';
    const body =
      `--${real}\r\nContent-Disposition: form-data; name="file"; filename="seal.pdf"\r\n` +
      `Content-Type: application/pdf\r\n\r\n${PDF.toString('latin1')}\r\n--${real}--\r\n`;
    const res = await t.request('POST', OPRFILE, {
      token: member,
      body,
      headers: {
        'content-type': `multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW; boundary=${real}`,
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.realName).toBe('seal.pdf');
  });

  it('answers ITSM failures in the ITSM envelope', async () => {
    const anonymous = await t.request('POST', OPRFILE, { body: form(PDF, 'a.pdf') });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({
      returnCode: 'FAILURE',
      status: 401,
      userMessage: expect.stringMatching(/token/i),
    });
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const wrongField = await postRaw(OPRFILE, member, rawMultipart('a.txt', PDF, 'upload'));
    expect(wrongField.status).toBe(400);
    expect(wrongField.body).toMatchObject({ returnCode: 'FAILURE', status: 400 });
    expect(wrongField.body.userMessage).toMatch(/file/);
  });

  it('sniffs the type from the content, never from the name or the claimed type', async () => {
    expect((await upload(member, PNG, 'x.txt', 'text/plain')).contentType).toBe('image/png');
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]);
    expect((await upload(member, jpeg, 'a.pdf', 'application/pdf')).contentType).toBe('image/jpeg');
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1');
    expect((await upload(member, gif, 'g', 'text/html')).contentType).toBe('image/gif');
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(40)]);
    expect((await upload(member, zip, 'report.xlsx')).contentType).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect((await upload(member, zip, 'bundle.bin')).contentType).toBe('application/zip');
    const text = Buffer.from('Zegel 4711 – ontbreekt\nSeal 4711 missing\n', 'utf8');
    expect((await upload(member, text, 'notes.exe', 'application/x-msdownload')).contentType).toBe(
      'text/plain; charset=utf-8',
    );
    const html = Buffer.from('\u0000<script>alert(1)</script>', 'latin1');
    expect((await upload(member, html, 'page.html', 'text/html')).contentType).toBe(
      'application/octet-stream',
    );
  });

  it('keeps hostile file names as harmless metadata', async () => {
    const before = (await storedKeys()).length;
    const cases: [Buffer | string, string][] = [
      ['../../etc/passwd', 'passwd'],
      ['..\\..\\windows\\win.ini', 'win.ini'],
      [Buffer.from('evil\u0000.pdf\u0001\u001b[31m', 'latin1'), 'evil.pdf[31m'],
      ['..', 'file'],
      ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ];
    for (const [raw, expected] of cases) {
      const res = await postRaw(UPLOADS, member, rawMultipart(raw, PDF));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.name).toBe(expected);
    }
    const long = `${'a'.repeat(300)}.pdf`;
    const res = await postRaw(UPLOADS, member, rawMultipart(long, PDF));
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(`${'a'.repeat(251)}.pdf`);
    expect(Array.from(res.body.name as string)).toHaveLength(255);

    // Only random names (in the year folder); nothing was written where a name pointed.
    const added = (await storedKeys()).length - before;
    expect(added).toBe(cases.length + 1);
    for (const f of await storedKeys()) expect(f).toMatch(STORED_KEY);
    if (dialect === 'postgres') expect(filesUnder(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, '..', 'etc'))).toBe(false);
  });

  it('refuses a file over the limit with 413 and keeps nothing of it', async () => {
    const before = await storedKeys();
    const count = async () =>
      Number(
        (
          await t.server.db.kysely
            .selectFrom('attachments')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const rows = await count();
    const big = randomBytes(LIMIT * 3);

    const native = await t.request('POST', UPLOADS, { token: member, body: form(big, 'big.bin') });
    expect(native.status).toBe(413);
    expect(native.body).toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(native.body.detail).toContain(String(LIMIT));

    const itsm = await t.request('POST', OPRFILE, { token: member, body: form(big, 'big.bin') });
    expect(itsm.status).toBe(413);
    expect(itsm.body).toMatchObject({ returnCode: 'FAILURE', status: 413 });

    expect(await storedKeys()).toEqual(before);
    expect(await count()).toBe(rows);
    // Exactly at the limit is fine.
    expect((await upload(member, randomBytes(LIMIT), 'exact.bin')).size).toBe(LIMIT);
  });

  it('asks for a multipart file field by name', async () => {
    const noFile = await postRaw(UPLOADS, member, rawMultipart('a.txt', PDF, 'document'));
    expect(noFile.status).toBe(400);
    expect(noFile.body.errors).toEqual([{ field: 'file', message: expect.any(String) }]);
    const json = await t.request('POST', UPLOADS, { token: member, body: { file: 'x' } });
    expect(json.status).toBe(415);
    const readOnly = await t.request('POST', UPLOADS, { body: form(PDF, 'a.pdf') });
    expect(readOnly.status).toBe(401);
  });

  it('attaches, lists and downloads a file with safe headers and equal bytes', async () => {
    const todo = await createTodo();
    // FormData, like a browser, sends a quote in a name as %22: it is left out here.
    const name = "rapport été (1)'s *.png";
    const up = await upload(member, PNG, name, 'text/plain');
    const res = await attach(todo.key, up.ref);
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      name,
      size: PNG.length,
      contentType: 'image/png',
      sha256: sha256(PNG),
      createdAt: expect.any(String),
      uploadedBy: 'example@example.com',
    });

    // By key and by numeric id; a colleague with access to the workspace sees it too.
    const list = await t.request('GET', `${API}/todos/${todo.id}/attachments`, {
      token: colleague,
    });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [res.body] });

    const file = await fetch(`${t.url}${API}/todos/${todo.key}/attachments/${res.body.id}`, {
      headers: { authorization: `Bearer ${colleague}` },
    });
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG)).toBe(true);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(file.headers.get('content-length')).toBe(String(PNG.length));
    expect(file.headers.get('content-disposition')).toBe(
      `attachment; filename="rapport _t_ (1)'s *.png"; ` +
        `filename*=UTF-8''rapport%20%C3%A9t%C3%A9%20%281%29%27s%20%2A.png`,
    );

    // Attached once only.
    const again = await attach(todo.key, up.ref);
    expect(again.status).toBe(400);
    expect(again.body.errors).toEqual([{ field: 'upload', message: 'is already attached' }]);
  });

  it("does not let anyone attach another caller's upload", async () => {
    const todo = await createTodo();
    const mine = await upload(member, PDF, 'mine.pdf');
    // The colleague may use the todo's workspace, but the upload is not theirs.
    const res = await attach(todo.key, mine.ref, colleague);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'upload', message: expect.stringMatching(/yours/) }]);
    expect((await rowOf(mine.ref))?.todoId).toBeNull();
    const unknown = await attach(todo.key, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('upload');
    const empty = await attach(todo.key, '');
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].field).toBe('upload');
  });

  it("answers 404 on every route for another tenant's todo, and never lists it", async () => {
    const todo = await createTodo();
    const up = await upload(member, PDF, 'private.pdf');
    const { body: attached } = await attach(todo.key, up.ref);
    const base = `${API}/todos/${todo.key}/attachments`;
    for (const token of [outsider, vtti]) {
      const theirs = await upload(token, PDF, 'theirs.pdf');
      const calls = [
        await attach(todo.key, theirs.ref, token),
        await attach(String(todo.id), theirs.ref, token),
        await t.request('GET', base, { token }),
        await t.request('GET', `${base}/${attached.id}`, { token }),
        await t.request('DELETE', `${base}/${attached.id}`, { token }),
      ];
      for (const res of calls) {
        expect(res.status, res.text).toBe(404);
        expect(res.body.code).toBe('not_found');
        expect(res.text).not.toContain('private.pdf');
      }
      expect((await rowOf(theirs.ref))?.todoId).toBeNull();
    }
    // An attachment id of one todo does not answer under another.
    const other = await createTodo();
    const cross = await t.request('GET', `${API}/todos/${other.key}/attachments/${attached.id}`, {
      token: member,
    });
    expect(cross.status).toBe(404);
    expect((await rowOf(up.ref))?.todoId).toBe(todo.id);
  });

  it('removes an attachment: 204, gone from the list and the disk, audited both ways', async () => {
    const todo = await createTodo('VTT-NLD-TML-FIN', vtti);
    const up = await upload(vtti, PDF, 'seal.pdf');
    const { body: attached } = await attach(todo.key, up.ref, vtti);
    const path = (await rowOf(up.ref))?.storagePath ?? '';
    expect(await isStored(path)).toBe(true);

    const base = `${API}/todos/${todo.key}/attachments`;
    const del = await t.request('DELETE', `${base}/${attached.id}`, { token: member });
    expect(del.status, del.text).toBe(204);
    expect((await t.request('GET', base, { token: vtti })).body).toEqual({ items: [] });
    expect((await t.request('GET', `${base}/${attached.id}`, { token: vtti })).status).toBe(404);
    expect((await t.request('DELETE', `${base}/${attached.id}`, { token: vtti })).status).toBe(404);
    expect(await isStored(path)).toBe(false);

    const history = await t.request('GET', `${API}/todos/${todo.key}/history`, { token: vtti });
    const events = (
      history.body.items as { action: string; actor: { email?: string }; changes: unknown[] }[]
    ).filter((e) => e.action === 'attach' || e.action === 'detach');
    expect(events).toEqual([
      expect.objectContaining({
        action: 'attach',
        actor: expect.objectContaining({ email: 'user@vtti.com' }),
        changes: [{ field: 'attachment', old: null, new: 'seal.pdf' }],
      }),
      expect.objectContaining({
        action: 'detach',
        actor: expect.objectContaining({ email: 'example@example.com' }),
        changes: [{ field: 'attachment', old: 'seal.pdf', new: null }],
      }),
    ]);
  });

  it('lets add-task attach uploads in the same transaction as the create', async () => {
    const body = {
      todoType: 'TASK',
      domainWorkSpace: 'IMP-NLD-EXA-SWA',
      title: 'Damaged container',
      description: 'See the photos',
      reporter: 'example@example.com',
    };
    const [a, b] = [
      await upload(member, PNG, 'front.png'),
      await upload(member, PDF, 'report.pdf'),
    ];
    const res = await t.request('POST', `${API}/task/add-task`, {
      token: member,
      body: { ...body, attachments: [a.ref, b.ref] },
    });
    expect(res.status, res.text).toBe(201);
    const list = await t.request('GET', `${API}/todos/${res.body.key}/attachments`, {
      token: member,
    });
    expect(list.body.items.map((i: { name: string }) => i.name)).toEqual([
      'front.png',
      'report.pdf',
    ]);
    const history = await t.request('GET', `${API}/todos/${res.body.key}/history`, {
      token: member,
    });
    expect(
      history.body.items.map((e: { action: string; dialect: string }) => [e.action, e.dialect]),
    ).toEqual([
      ['create', 'bzctrl'],
      ['attach', 'bzctrl'],
      ['attach', 'bzctrl'],
    ]);

    // One reference alone is accepted; someone else's, or one already attached, undoes
    // the whole create and names the entry.
    const single = await upload(member, PDF, 'single.pdf');
    const one = await t.request('POST', `${API}/task/add-task`, {
      token: member,
      body: { ...body, attachments: single.ref },
    });
    expect(one.status, one.text).toBe(201);
    const todos = async () =>
      (await t.server.db.kysely.selectFrom('todos').select('id').execute()).length;
    const before = await todos();
    const theirs = await upload(colleague, PDF, 'theirs.pdf');
    const bad = await t.request('POST', `${API}/task/add-task`, {
      token: member,
      body: { ...body, attachments: [theirs.ref, a.ref, 42] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'attachments[0]', message: expect.stringMatching(/yours/) },
      { field: 'attachments[1]', message: 'is already attached' },
      { field: 'attachments[2]', message: expect.stringMatching(/yours/) },
    ]);
    expect(await todos()).toBe(before);
    expect((await rowOf(theirs.ref))?.todoId).toBeNull();
    // The failed create used no key: the next one follows on directly.
    const next = await t.request('POST', `${API}/task/add-task`, { token: member, body });
    const seq = (key: string) => Number(key.split('-').pop());
    expect(seq(next.body.key)).toBe(seq(one.body.key) + 1);
  });

  it('removes uploads left unattached for 24 hours, row and file, and nothing else', async () => {
    const config = readConfig({ BZCTRL_DATA_DIR: dataDir });
    const now = new Date();
    const setAge = (ref: string, hours: number) =>
      t.server.db.kysely
        .updateTable('attachments')
        .set({ createdAt: new Date(now.getTime() - hours * HOUR).toISOString() })
        .where('ref', '=', ref)
        .execute();
    const stale = await upload(member, PDF, 'stale.pdf');
    const fresh = await upload(member, PDF, 'fresh.pdf');
    const kept = await upload(member, PDF, 'kept.pdf');
    const todo = await createTodo();
    expect((await attach(todo.key, kept.ref)).status).toBe(201);
    await setAge(stale.ref, 25);
    await setAge(fresh.ref, 23);
    await setAge(kept.ref, 48);
    const stalePath = (await rowOf(stale.ref))?.storagePath ?? '';
    const keptPath = (await rowOf(kept.ref))?.storagePath ?? '';

    // PostgreSQL: chunks no row points to, as a process that died mid-upload leaves them.
    const orphan = async (key: string, hours: number) => {
      if (dialect === 'sqlite') return;
      await t.server.db.kysely
        .insertInto('attachmentChunks')
        .values({
          storagePath: key,
          seq: 0,
          data: randomBytes(100),
          createdAt: new Date(now.getTime() - hours * HOUR).toISOString(),
        })
        .execute();
    };
    const [oldOrphan, newOrphan] = [
      randomBytes(16).toString('hex'),
      randomBytes(16).toString('hex'),
    ];
    await orphan(oldOrphan, 25);
    await orphan(newOrphan, 1);

    expect(await removeStaleUploads(t.server.db, config, now)).toBe(1);
    expect(await rowOf(stale.ref)).toBeUndefined();
    if (dialect === 'postgres') {
      expect(await isStored(oldOrphan)).toBe(false);
      expect(await isStored(newOrphan)).toBe(true);
    }
    expect(await isStored(stalePath)).toBe(false);
    expect(await rowOf(fresh.ref)).toBeDefined();
    expect((await rowOf(kept.ref))?.todoId).toBe(todo.id);
    expect(await isStored(keptPath)).toBe(true);

    // A removed upload can no longer be attached; the next day the other one goes too.
    expect((await attach(todo.key, stale.ref)).status).toBe(400);
    expect(await removeStaleUploads(t.server.db, config, new Date(now.getTime() + 2 * HOUR))).toBe(
      1,
    );
    expect(await rowOf(fresh.ref)).toBeUndefined();
  });
});
