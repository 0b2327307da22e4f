import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

const ADD = '/bzctrl-core-api/api/v1/task/add-task';
const UPLOADS = '/bzctrl-core-api/api/v1/uploads';
const OPRFILE = '/api/oprfile';
const TOKEN = '/bzctrl-core-api/oauth/token';
const MB = 1024 * 1024;
/** The defaults: BZCTRL_BODY_LIMIT and BZCTRL_UPLOAD_LIMIT. */
const BODY_LIMIT = MB;
const UPLOAD_LIMIT = 25 * MB;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 connection driven by hand, for what fetch cannot do: send headers and
 * hold the body back, send `Expect: 100-continue`, stall half-way, reuse the connection.
 */
class RawConnection {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  closed = false;
  error: Error | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('error', (err) => {
      this.error = err;
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes, waiting for the socket to take it; rejects when the server reset the connection. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Writes `size` bytes of `fill` in chunks, as a client streaming a body would. */
  async writeBytes(size: number, fill = 0x61): Promise<void> {
    const chunk = Buffer.alloc(64 * 1024, fill);
    for (let sent = 0; sent < size; sent += chunk.length) {
      await this.write(chunk.subarray(0, Math.min(chunk.length, size - sent)));
    }
  }

  private async until<T>(take: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = take();
      if (got !== undefined) return got;
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next response (a `100 Continue` is one too), its body read by Content-Length. */
  readResponse(timeoutMs = 10_000): Promise<RawResponse> {
    return this.until(
      () => {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end === -1) return undefined;
        const [statusLine = '', ...lines] = this.buffer.subarray(0, end).toString().split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (this.buffer.length < end + 4 + length) return undefined;
        const body = this.buffer.subarray(end + 4, end + 4 + length).toString();
        this.buffer = this.buffer.subarray(end + 4 + length);
        return { status: Number(statusLine.split(' ')[1]), headers, body };
      },
      timeoutMs,
      'response',
    );
  }

  /** Resolves once the server closed the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await this.until(() => (this.closed ? true : undefined), timeoutMs, 'close').catch((err) => {
      if (!this.closed) throw err;
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

const head = (method: string, path: string, headers: Record<string, string | number>) =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

const BOUNDARY = 'bzctrl-limits-boundary';
/** The head of a multipart upload request announcing `length` bytes of body. */
const uploadHead = (
  path: string,
  token: string,
  length: number,
  more: Record<string, string> = {},
) =>
  head('POST', path, {
    Authorization: `Bearer ${token}`,
    'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
    'Content-Length': length,
    ...more,
  });
/** The start of a one-file multipart body: everything up to the file's first byte. */
const filePartHead = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="scan.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;

/**
 * What uploads in progress have stored: temp files in the data directory (SQLite;
 * file-storage.ts) or chunks no attachment row points to yet (PostgreSQL;
 * database-storage.ts).
 */
async function partialUploads(t: TestServer, dataDir: string): Promise<string[]> {
  if (t.dialect === 'sqlite') {
    const dir = join(dataDir, 'attachments', 'tmp');
    return existsSync(dir) ? readdirSync(dir) : [];
  }
  const rows = await t.server.db.kysely
    .selectFrom('attachmentChunks as c')
    .select('c.storagePath')
    .distinct()
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('attachments as a')
            .select('a.id')
            .whereRef('a.storagePath', '=', 'c.storagePath'),
        ),
      ),
    )
    .execute();
  return rows.map((r) => r.storagePath);
}
/** What is left once uploads had a few seconds to clean up: nothing, hopefully. */
const partialsGone = (t: TestServer, dataDir: string) =>
  eventually(
    () => partialUploads(t, dataDir),
    (f) => f.length === 0,
    5000,
  );
/**
 * The bytes an unfinished upload sends: on PostgreSQL more than one 256 KB chunk, so
 * that something is in the database to be cleaned up.
 */
const partialBody = (dialect: string) => 'x'.repeat(dialect === 'postgres' ? 300 * 1024 : 4096);
/** Open descriptors of this process, which runs the server too. */
const descriptors = () => readdirSync('/proc/self/fd').length;

async function eventually<T>(
  probe: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await probe();
  }
  return value;
}

describe.each(dialects)('limits a client can read on %s', (dialect) => {
  let t: TestServer;
  let dataDir: string;
  let member: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bzctrl-limits-'));
    t = await startTestServer(dialect, { env: { BZCTRL_DATA_DIR: dataDir } });
    member = await t.login('example@example.com');
  });
  afterAll(async () => {
    await t?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a 5 MB JSON body with a 413 that fetch reads, declared or streamed', async () => {
    const big = JSON.stringify({ title: 'x'.repeat(5 * MB) });
    const declared = await fetch(`${t.url}${ADD}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(declared.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await declared.json()).toMatchObject({
      code: 'payload_too_large',
      detail: expect.stringContaining(`${BODY_LIMIT} bytes`),
    });

    // Without Content-Length the limit is only found while reading: drained, still readable.
    const bytes = new TextEncoder().encode(big);
    const streamed = await fetch(`${t.url}${ADD}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 64 * 1024) {
            controller.enqueue(bytes.subarray(i, i + 64 * 1024));
          }
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ code: 'payload_too_large', status: 413 });
  });

  it('refuses a declared Content-Length over the limit before the body, then drains it', async () => {
    const c = await RawConnection.open(t.url);
    try {
      await c.write(
        head('POST', ADD, {
          Authorization: `Bearer ${member}`,
          'Content-Type': 'application/json',
          'Content-Length': 5 * MB,
        }),
      );
      // Not a byte of the body sent yet: the answer comes from the header alone.
      const refused = await c.readResponse();
      expect(refused.status).toBe(413);
      expect(JSON.parse(refused.body)).toMatchObject({
        code: 'payload_too_large',
        detail: expect.stringContaining('Content-Length'),
      });
      expect(refused.headers.connection).not.toBe('close');
      // A client that sends anyway is read to the end, not reset; the connection stays usable.
      await c.writeBytes(5 * MB);
      await c.write(head('GET', '/healthz', {}));
      expect((await c.readResponse()).status).toBe(200);
      expect(c.error).toBeUndefined();
    } finally {
      c.close();
    }
  });

  it('drains a body the multipart parser stopped reading, so the connection stays usable', async () => {
    // A token request may not carry files: refused at the file part, long before the end.
    const start = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\npassword\r\n${filePartHead}${'x'.repeat(4096)}`;
    const rest = MB / 2;
    const c = await RawConnection.open(t.url);
    try {
      await c.write(
        head('POST', TOKEN, {
          'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
          'Content-Length': start.length + rest + `\r\n--${BOUNDARY}--\r\n`.length,
        }) + start,
      );
      const refused = await c.readResponse();
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'invalid_request' });
      await c.writeBytes(rest);
      await c.write(`\r\n--${BOUNDARY}--\r\n`);
      await c.write(head('GET', '/healthz', {}));
      expect((await c.readResponse()).status).toBe(200);
    } finally {
      c.close();
    }
  });

  it('refuses a 30 MB upload on its Content-Length, and fetch reads the 413', async () => {
    for (const path of [UPLOADS, OPRFILE]) {
      const c = await RawConnection.open(t.url);
      try {
        await c.write(uploadHead(path, member, 30 * MB));
        const refused = await c.readResponse();
        expect(refused.status).toBe(413);
        const body = JSON.parse(refused.body);
        if (path === OPRFILE) expect(body).toMatchObject({ returnCode: 'FAILURE', status: 413 });
        else expect(body).toMatchObject({ code: 'payload_too_large', status: 413 });
      } finally {
        c.close();
      }
    }
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(30 * MB)]), 'big.bin');
    const res = await fetch(`${t.url}${UPLOADS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member}` },
      body: form,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'payload_too_large' });
    expect(await partialUploads(t, dataDir)).toEqual([]);
  });

  it('refuses a streamed upload as soon as it passes the limit, not at its end', async () => {
    const encoder = new TextEncoder();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chunk = new Uint8Array(MB);
    const res = await fetch(`${t.url}${UPLOADS}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${member}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      },
      body: new ReadableStream({
        async start(controller) {
          controller.enqueue(encoder.encode(filePartHead));
          for (let i = 0; i < UPLOAD_LIMIT / MB + 1; i++) controller.enqueue(chunk);
          // The rest (and the closing boundary) only once the answer is in.
          await held;
          controller.enqueue(encoder.encode(`\r\n--${BOUNDARY}--\r\n`));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    release();
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'payload_too_large' });
    expect(await partialsGone(t, dataDir)).toEqual([]);
  });

  it('honours Expect: 100-continue: 413 instead of 100 when too large, 100 otherwise', async () => {
    const tooBig = await RawConnection.open(t.url);
    try {
      await tooBig.write(uploadHead(UPLOADS, member, 30 * MB, { Expect: '100-continue' }));
      const first = await tooBig.readResponse();
      expect(first.status).toBe(413);
      expect(JSON.parse(first.body)).toMatchObject({ code: 'payload_too_large' });
      // The client never sends the body it announced: the server closes instead of waiting.
      expect(first.headers.connection).toBe('close');
      await tooBig.waitClosed();
    } finally {
      tooBig.close();
    }

    const form = 'grant_type=password&username=example%40example.com&password=Ex%40mpl3%21';
    const fits = await RawConnection.open(t.url);
    try {
      await fits.write(
        head('POST', TOKEN, {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': form.length,
          Expect: '100-continue',
        }),
      );
      expect((await fits.readResponse()).status).toBe(100);
      await fits.write(form);
      const answer = await fits.readResponse();
      expect(answer.status, answer.body).toBe(200);
      expect(JSON.parse(answer.body)).toHaveProperty('access_token');
    } finally {
      fits.close();
    }
  });

  it('answers an upload whose body ends without its closing boundary 400 and keeps nothing', async () => {
    const body = `${filePartHead}${partialBody(dialect)}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const c = await RawConnection.open(t.url);
        try {
          await c.write(uploadHead(i % 2 ? OPRFILE : UPLOADS, member, body.length) + body);
          return { itsm: i % 2 === 1, ...(await c.readResponse()) };
        } finally {
          c.close();
        }
      }),
    );
    for (const a of answers) {
      expect(a.status).toBe(400);
      const message = a.itsm ? JSON.parse(a.body).userMessage : JSON.parse(a.body).detail;
      expect(message).toMatch(/multipart body ended before the file part did/);
    }
    expect(await partialsGone(t, dataDir)).toEqual([]);
  });

  it('frees what 200 unfinished uploads stored, and their descriptors, when their clients go', async () => {
    // Warm up: the temp directory, the database connections, the upload code path.
    const warm = new FormData();
    warm.append('file', new Blob(['warm-up']), 'warm.txt');
    expect((await t.request('POST', UPLOADS, { token: member, body: warm })).status).toBe(201);
    const before = descriptors();

    const clients = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const c = await RawConnection.open(t.url);
        await c.write(uploadHead(UPLOADS, member, MB) + filePartHead + partialBody(dialect));
        return c;
      }),
    );
    // Every upload is under way: a temp file each held open by the server (SQLite), or a chunk each (PostgreSQL).
    const open = await eventually(
      async () => (await partialUploads(t, dataDir)).length,
      (n) => n === 200,
      30_000,
    );
    expect(open).toBe(200);
    const during = descriptors();
    expect(during - before).toBeGreaterThanOrEqual(2 * 200);

    // Half reset their connection, half close it properly (FIN) without finishing.
    clients.forEach((c, i) => {
      if (i % 2 === 0) c.socket.resetAndDestroy();
      else c.socket.end();
    });
    const left = await eventually(
      async () => (await partialUploads(t, dataDir)).length,
      (n) => n === 0,
      15_000,
    );
    expect(left).toBe(0);
    await Promise.all(clients.map((c) => c.waitClosed(15_000)));
    const after = await eventually(descriptors, (n) => n <= before + 10, 15_000);
    console.info(
      `[${dialect}] descriptors: ${before} before, ${during} with 200 unfinished uploads, ${after} after they went`,
    );
    expect(after).toBeLessThanOrEqual(before + 10);
    // The server still works.
    expect((await t.request('GET', '/healthz')).status).toBe(200);
  });
});

describe.each(dialects)('request body timeouts on %s', (dialect) => {
  const IDLE_S = 1;
  const TOTAL_S = 3;
  let t: TestServer;
  let dataDir: string;
  let member: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bzctrl-timeouts-'));
    t = await startTestServer(dialect, {
      env: {
        BZCTRL_DATA_DIR: dataDir,
        BZCTRL_BODY_IDLE_TIMEOUT: String(IDLE_S),
        BZCTRL_BODY_TIMEOUT: String(TOTAL_S),
      },
    });
    member = await t.login('example@example.com');
  });
  afterAll(async () => {
    await t?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a stalled upload 408, closes it and removes its temp file', async () => {
    for (const path of [UPLOADS, OPRFILE]) {
      const c = await RawConnection.open(t.url);
      try {
        const started = Date.now();
        await c.write(uploadHead(path, member, MB) + filePartHead + partialBody(dialect));
        const answer = await c.readResponse(15_000);
        expect(answer.status).toBe(408);
        const body = JSON.parse(answer.body);
        if (path === OPRFILE) expect(body).toMatchObject({ returnCode: 'FAILURE', status: 408 });
        else expect(body).toMatchObject({ code: 'request_timeout', status: 408 });
        expect(answer.headers.connection).toBe('close');
        await c.waitClosed();
        // Generous: the idle timeout plus scheduling on a busy machine.
        expect(Date.now() - started).toBeLessThan(IDLE_S * 1000 + 10_000);
      } finally {
        c.close();
      }
    }
    expect(await partialsGone(t, dataDir)).toEqual([]);
  });

  it('answers a multipart body its parser cannot get through 400, not never', async () => {
    // A part header line without a colon can make the multipart parser stall with every
    // byte in hand (when they come in one piece); the answer then comes one idle timeout
    // after the body arrived. Either way there is an answer.
    const body = `\r\n--${BOUNDARY}\r\nno colon here\r\nContent-Type: text/plain\r\n\r\n${'x'.repeat(20_000)}\r\n--${BOUNDARY}--\r\n`;
    for (const path of [TOKEN, UPLOADS]) {
      const c = await RawConnection.open(t.url);
      try {
        await c.write(uploadHead(path, member, body.length) + body);
        const answer = await c.readResponse(IDLE_S * 1000 + 10_000);
        expect(answer.status).toBe(400);
        expect(answer.body).toMatch(
          /multipart body could not be read|grant_type is required|file: is required/,
        );
      } finally {
        c.close();
      }
    }
  });

  it('answers a body that trickles in slower than the total timeout 408', async () => {
    const body = JSON.stringify({ title: 'slow', padding: 'x'.repeat(200) });
    const c = await RawConnection.open(t.url);
    try {
      const started = Date.now();
      await c.write(
        head('POST', ADD, {
          Authorization: `Bearer ${member}`,
          'Content-Type': 'application/json',
          'Content-Length': body.length,
        }),
      );
      // A byte every 200 ms: never idle for a second, never done within three.
      let answer: RawResponse | undefined;
      const reading = c.readResponse(TOTAL_S * 1000 + 15_000).then((r) => {
        answer = r;
      });
      for (let i = 0; i < body.length && answer === undefined && !c.closed; i++) {
        await c.write(body[i] ?? '').catch(() => {});
        await new Promise((r) => setTimeout(r, 200));
      }
      await reading;
      expect(answer?.status).toBe(408);
      expect(JSON.parse(answer?.body ?? '{}')).toMatchObject({
        code: 'request_timeout',
        detail: expect.stringContaining(`${TOTAL_S} s`),
      });
      await c.waitClosed();
      expect(Date.now() - started).toBeLessThan(TOTAL_S * 1000 + 10_000);
    } finally {
      c.close();
    }
  });

  it('answers a token request whose body stalls 408 in the OAuth shape', async () => {
    const c = await RawConnection.open(t.url);
    try {
      await c.write(
        `${head('POST', TOKEN, {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': 200,
        })}grant_type=password&user`,
      );
      const answer = await c.readResponse(15_000);
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body)).toMatchObject({
        error: 'invalid_request',
        error_description: expect.stringContaining('request body'),
      });
    } finally {
      c.close();
    }
  });
});
