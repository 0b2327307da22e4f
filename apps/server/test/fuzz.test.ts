import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

/**
 * Property-based fuzzing of every write endpoint (every POST, PUT and PATCH the OpenAPI
 * document lists) and both token paths with malformed input: odd JSON (deep, prototype
 * keys, 64-bit and infinite numbers, control characters, lone surrogates, cut off),
 * invalid UTF-8, odd content types and charsets, malformed multipart (no or odd or
 * duplicated boundaries, NUL bytes, empty and large parts, no final boundary) and odd
 * forms. Asserted for every answer: no 5xx, the route's own error shape, and every 400
 * names a field or the part of the request that is wrong; and the server stays up and
 * logs no error.
 *
 * Replay a failure with its seed (printed at the start and in the failure):
 * `BZCTRL_FUZZ_SEED=<seed> npx vitest run apps/server/test/fuzz.test.ts`.
 * `BZCTRL_FUZZ_RUNS` scales the number of requests per property.
 */
const SEED = Number(process.env.BZCTRL_FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.BZCTRL_FUZZ_RUNS ?? 1000);
/** Per property: the whole file stays well under a minute per database. */
const TIME_LIMIT_MS = 12_000;
/** Any answer takes milliseconds; this long is a hang. */
const ANSWER_MS = 5000;

const TOKEN_PATHS = ['/bzctrl-core-api/oauth/token', '/api/oauth/token'];
/** Write endpoints the issue names; the OpenAPI document must list them all. */
const REQUIRED = [
  'POST /bzctrl-core-api/oauth/token',
  'POST /api/oauth/token',
  'POST /bzctrl-core-api/api/v1/todos',
  'PATCH /bzctrl-core-api/api/v1/todos/{ref}',
  'POST /bzctrl-core-api/api/v1/task/add-task',
  'PUT /bzctrl-core-api/api/v1/task/add-task',
  'POST /api/task',
  'PUT /api/task',
  'POST /api/v1/incident',
  'POST /api/v1/incident/{id}',
  'POST /api/incident/{id}',
  'POST /bzctrl-core-api/api/v1/uploads',
  'POST /api/oprfile',
  'POST /bzctrl-core-api/api/v1/todos/{ref}/comments',
  'PUT /bzctrl-core-api/api/v1/todos/{ref}/watchers/{email}',
  'POST /bzctrl-core-api/api/v1/todos/{ref}/attachments',
  'POST /bzctrl-core-api/api/v1/task/add-exposed-task/{uuid}',
  'POST /bzctrl-core-api/api/v1/admin/domains',
  'POST /bzctrl-core-api/api/v1/admin/workspaces',
  'POST /bzctrl-core-api/api/v1/admin/users',
  'POST /bzctrl-core-api/api/v1/admin/clients',
  'POST /bzctrl-core-api/api/v1/admin/locations',
  'POST /bzctrl-core-api/api/v1/admin/custom-fields',
  'POST /bzctrl-core-api/api/v1/admin/exposed-endpoints',
];

interface Operation {
  method: string;
  /** The OpenAPI path, with `{param}` placeholders. */
  path: string;
  tags: string[];
  /** Top-level field names of the JSON body schema, to aim the fuzzing at real fields. */
  fields: string[];
}

type Shape = 'oauth' | 'itsm' | 'problem';
const shapeOf = (op: Operation): Shape =>
  /\/oauth\/|^\/api\/authenticate$/.test(op.path)
    ? 'oauth'
    : op.tags.includes('itsm')
      ? 'itsm'
      : 'problem';

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

/** Mostly absent: most requests should be well-framed and carry a real token. */
const rarely = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const NUMBER_TEXTS = [
  '0',
  '-0',
  '1',
  '-1',
  '1.5',
  '1e309',
  '-1e309',
  '1E2',
  '0.1e-400',
  '2147483648',
  '9007199254740993',
  '9223372036854775807',
  '-9223372036854775808',
  '18446744073709551616',
  '123456789012345678901234567890',
];
const TEXT_SAMPLES = [
  '',
  ' ',
  'x\u0000y',
  '\u0000',
  '\u0007bell',
  'line\nbreak',
  '\ud800',
  'tail\udfff',
  '\u202eevil',
  '💥',
  '<script>alert(1)</script>',
  "'; DROP TABLE todos; --",
  '../../etc/passwd',
  '%00',
  'IMP-NLD-EXA-SWA',
  'example@example.com',
  'TASK',
  'INCIDENT',
  'INPROGRESS',
  'DONE',
  'EXPIRED',
  'HIGH',
  '2026-02-29',
  '2028-02-29',
  '9999-12-31T23:59:59Z',
  'true',
  'null',
];
const KEY_SAMPLES = ['__proto__', 'constructor', 'prototype', 'toString', '', ' ', 'a.b', '$ref'];

/** A JSON string literal; lone surrogates come out as `\ud800` escapes. */
const jsonString = fc.oneof(
  fc.constantFrom(...TEXT_SAMPLES),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 256, max: 20_000 }).map((n) => 'y'.repeat(n)),
);

/** Nesting far past any sane depth, as text (JSON.stringify itself would overflow). */
const deepText = fc
  .tuple(fc.integer({ min: 60, max: 50_000 }), fc.boolean())
  .map(([n, arrays]) =>
    arrays ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`,
  );

const scalarText = fc.oneof(
  { weight: 3, arbitrary: jsonString.map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null') },
);

/** JSON text of any value, keys drawn from `keys`. */
const jsonValueText = (keys: fc.Arbitrary<string>) =>
  fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: scalarText },
      { weight: 1, arbitrary: deepText },
      { weight: 2, arbitrary: tie('array') },
      { weight: 2, arbitrary: tie('object') },
    ),
    array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    object: fc
      .array(fc.tuple(keys, tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  })).value;

const keyArb = (fields: string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('title') },
    { weight: 2, arbitrary: fc.constantFrom(...KEY_SAMPLES) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

/** A JSON body aimed at an operation's fields, then sometimes spoiled. */
const jsonBody = (fields: string[]) => {
  const keys = keyArb(fields);
  const object = fc
    .array(fc.tuple(keys, jsonValueText(keys)), { minLength: 1, maxLength: 8 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
  const text = fc.oneof(
    { weight: 8, arbitrary: object },
    { weight: 1, arbitrary: jsonValueText(keys) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '{', '{"a":1,}', '[1,]', "{'a':1}", 'NaN') },
  );
  return fc.oneof(
    { weight: 8, arbitrary: text.map((t) => Buffer.from(t, 'utf8')) },
    // Cut anywhere: unterminated strings, objects, escapes.
    {
      weight: 1,
      arbitrary: fc
        .tuple(text, fc.double({ min: 0, max: 1, noNaN: true }))
        .map(([t, at]) => Buffer.from(t.slice(0, Math.floor(t.length * at)), 'utf8')),
    },
    // Invalid UTF-8 inside otherwise fine JSON, or no JSON at all.
    {
      weight: 1,
      arbitrary: fc
        .tuple(text, fc.uint8Array({ minLength: 1, maxLength: 8 }))
        .map(([t, junk]) =>
          Buffer.concat([Buffer.from(`{"title":"`), Buffer.from(junk), Buffer.from(`"}${t}`)]),
        ),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  );
};

/**
 * A valid body per endpoint (as JSON text per field): mutating one to three of its fields
 * gets past schema validation into the services, where other mistakes hide.
 */
const VALID: Record<string, Record<string, unknown>> = {
  'POST /bzctrl-core-api/api/v1/task/add-task': {
    todoType: 'TASK',
    domainWorkSpace: 'IMP-NLD-EXA-SWA',
    title: 'Fuzzed task',
    description: 'Made by the fuzz test',
    reporter: 'example@example.com',
  },
  'POST /api/task': {
    type: 'Incident',
    title: 'Fuzzed',
    description: 'd',
    workspace: 'Inbound Control',
  },
  'POST /bzctrl-core-api/api/v1/todos': {
    todoType: 'TASK',
    workspace: 'IMP-NLD-EXA-SWA',
    title: 'Fuzzed',
    description: 'd',
  },
  'PATCH /bzctrl-core-api/api/v1/todos/{ref}': { title: 'Fuzzed again', status: 'INPROGRESS' },
  'POST /bzctrl-core-api/api/v1/todos/{ref}/comments': { body: 'A fuzzed comment' },
  'POST /bzctrl-core-api/api/v1/todos/{ref}/attachments': { upload: 'AAAAAAAAAAAAAAAAAAAAAA' },
  'POST /api/v1/incident': {
    subject: 'Fuzzed incident',
    requesterEmail: 'example@example.com',
    description: 'd',
  },
  'POST /api/v1/incident/{id}': { description: 'Changed', priority: 'High' },
  'POST /bzctrl-core-api/api/v1/task/add-exposed-task/{uuid}': {
    title: 'Fuzzed',
    description: 'd',
  },
  'POST /bzctrl-core-api/api/v1/admin/domains': { code: 'FUZ-NLD-ONE', name: 'Fuzz domain' },
  'POST /bzctrl-core-api/api/v1/admin/workspaces': {
    domain: 'OTH-BEL-ANT',
    code: 'FZ',
    name: 'Fuzz',
  },
  'POST /bzctrl-core-api/api/v1/admin/users': { email: 'fuzz@example.com', name: 'Fuzz' },
  'POST /bzctrl-core-api/api/v1/admin/clients': {
    name: 'Fuzz client',
    workspaces: ['OTH-BEL-ANT-OPS'],
  },
  'POST /bzctrl-core-api/api/v1/admin/locations': { name: 'Fuzz location' },
  'POST /bzctrl-core-api/api/v1/admin/custom-fields': {
    module: 'TASK',
    name: 'fuzz',
    type: 'TEXT',
  },
  'POST /bzctrl-core-api/api/v1/admin/exposed-endpoints': {
    workspace: 'OTH-BEL-ANT-OPS',
    name: 'F',
  },
};
VALID['PUT /bzctrl-core-api/api/v1/task/add-task'] =
  VALID['POST /bzctrl-core-api/api/v1/task/add-task'] ?? {};
VALID['PUT /api/task'] = VALID['POST /api/task'] ?? {};
VALID['POST /api/incident/{id}'] = VALID['POST /api/v1/incident/{id}'] ?? {};

/** An endpoint's valid body with one to three fields replaced by fuzz, or dropped. */
const mutatedBody = (op: Operation) => {
  const base = VALID[`${op.method} ${op.path}`] ?? {};
  const keys = keyArb([...Object.keys(base), ...op.fields]);
  return fc
    .array(fc.tuple(keys, fc.option(jsonValueText(keys), { nil: undefined, freq: 6 })), {
      minLength: 1,
      maxLength: 3,
    })
    .map((changes) => {
      const fields = new Map(Object.entries(base).map(([k, v]) => [k, JSON.stringify(v)]));
      for (const [k, v] of changes) {
        if (v === undefined) fields.delete(k);
        else fields.set(k, v);
      }
      return Buffer.from(
        `{${[...fields].map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`,
        'utf8',
      );
    });
};

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=no-such-charset',
  'application/json;;;',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/problem+json',
  'text/plain',
  'text/html; charset=utf-8',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/mixed; boundary=x',
  'application/octet-stream',
  '*/*',
  'application',
  ';',
];
const contentTypeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 3, arbitrary: fc.constantFrom(...JSON_TYPES) },
  { weight: 1, arbitrary: fc.stringMatching(/^[ -~]{0,40}$/) },
);

/** RFC 2046 boundary characters, and some that are not. */
const boundaryArb = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,70}$/) },
  { weight: 1, arbitrary: fc.constantFrom('x', '--', '-', 'a b', 'ü', 'x'.repeat(71), '"') },
);

const PART_NAMES = [
  'file',
  'grant_type',
  'username',
  'password',
  'client_id',
  'client_secret',
  'scope',
  'refresh_token',
  'token',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '',
  'x',
];
const partArb = fc.record({
  name: fc.option(
    fc.oneof(
      { weight: 3, arbitrary: fc.constant('file') },
      { weight: 2, arbitrary: fc.constantFrom(...PART_NAMES) },
    ),
    { nil: undefined, freq: 8 },
  ),
  filename: fc.option(
    fc.constantFrom('a.txt', 'scan.png', 'x\u0000y.pdf', '../../etc/passwd', '', 'ü.pdf', 'a"b'),
    { nil: undefined },
  ),
  type: fc.option(
    fc.constantFrom(
      'text/plain',
      'application/json',
      'application/octet-stream',
      'text/plain; charset=utf-16',
      'text/plain; charset=nope',
    ),
    { nil: undefined },
  ),
  content: fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)) },
    { weight: 2, arbitrary: fc.constantFrom('', 'password', 'example@example.com', '{"a":') },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(64, 0)) },
    // Larger than the fuzz server's upload limit (and the token endpoint's field size).
    {
      weight: 1,
      arbitrary: fc.integer({ min: 40_000, max: 300_000 }).map((n) => Buffer.alloc(n, 0x78)),
    },
  ),
  /** A broken part header instead of a proper one. */
  brokenHeader: rarely(
    fc.constantFrom(
      'Content-Disposition: form-data',
      'Content-Disposition: attachment; name="file"',
      'Content-Disposition: form-data; name="fi\u0000le"',
      'Content-Disposition: form-data; name=file; filename=',
      `X-Long: ${'h'.repeat(20_000)}`,
      'no colon here',
      '',
    ),
  ),
});

/** A multipart body and its Content-Type, odd in every way a client can make it. */
const multipartArb = fc
  .record({
    declared: boundaryArb,
    used: rarely(boundaryArb),
    header: fc.oneof(
      { weight: 6, arbitrary: fc.constant('plain' as const) },
      {
        weight: 4,
        arbitrary: fc.constantFrom('quoted', 'duplicated', 'missing', 'empty', 'charset' as const),
      },
    ),
    preamble: fc.constantFrom('', 'preamble text\r\n', '\r\n', '\u0000'),
    parts: fc.array(partArb, { maxLength: 4 }),
    ending: fc.oneof(
      { weight: 4, arbitrary: fc.constant('--\r\n') },
      { weight: 3, arbitrary: fc.constantFrom('--', '', '\r\n', '-- epilogue', '--\r\n--\r\n') },
    ),
  })
  .map((m) => {
    const b = m.used ?? m.declared;
    const chunks: Buffer[] = [Buffer.from(m.preamble, 'latin1')];
    for (const p of m.parts) {
      const disposition =
        p.brokenHeader ??
        `Content-Disposition: form-data${p.name === undefined ? '' : `; name="${p.name}"`}${
          p.filename === undefined ? '' : `; filename="${p.filename}"`
        }`;
      const type = p.type === undefined ? '' : `\r\nContent-Type: ${p.type}`;
      chunks.push(
        Buffer.from(`--${b}\r\n${disposition}${type}\r\n\r\n`, 'utf8'),
        Buffer.from(p.content),
        Buffer.from('\r\n'),
      );
    }
    chunks.push(Buffer.from(`--${b}${m.ending}`, 'utf8'));
    const contentType = {
      plain: `multipart/form-data; boundary=${m.declared}`,
      quoted: `multipart/form-data; boundary="${m.declared}"`,
      duplicated: `multipart/form-data; boundary=first; boundary=${m.declared}`,
      missing: 'multipart/form-data',
      empty: 'multipart/form-data; boundary=',
      charset: `multipart/form-data; charset=utf-16; boundary=${m.declared}`,
    }[m.header];
    return { body: Buffer.concat(chunks), contentType };
  });

const FORM_KEYS = [
  'grant_type',
  'username',
  'password',
  'refresh_token',
  'scope',
  'client_id',
  'client_secret',
  'token',
  '__proto__',
  'constructor',
  '',
];
const FORM_VALUES = [
  'password',
  'client_credentials',
  'refresh_token',
  'authorization_code',
  'example@example.com',
  'Ex@mpl3!',
  'erp',
  'erp-client-secret-0001',
  'todo:read todo:write',
  'admin',
  '',
];
const rawEscape = fc.constantFrom('%', '%zz', '%C3%28', '%00', '%FF%FE', '%E2%82', '+', '&&', '=');
/** Percent-encoded as a form; a lone surrogate (which cannot be) becomes U+FFFD. */
const encoded = (v: string) => encodeURIComponent(v.replace(/[\ud800-\udfff]/gu, '\ufffd'));
const formArb = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...FORM_KEYS), fc.string({ maxLength: 10 })),
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...FORM_VALUES) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
        { weight: 1, arbitrary: rawEscape },
      ),
      fc.boolean(),
    ),
    { maxLength: 8 },
  )
  .map((pairs) =>
    Buffer.from(
      pairs.map(([k, v, raw]) => (raw ? `${k}=${v}` : `${encoded(k)}=${encoded(v)}`)).join('&'),
      'utf8',
    ),
  );

/** Header values fetch can send: visible ASCII and spaces. */
const headerText = fc.stringMatching(/^[ -~]{0,60}$/);
const extraHeadersArb = fc
  .record({
    'idempotency-key': fc.option(
      fc.oneof(
        { weight: 4, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.constantFrom('', 'a b', 'x'.repeat(300), 'k') },
        { weight: 1, arbitrary: headerText },
      ),
      { nil: undefined },
    ),
    'content-encoding': rarely(fc.constantFrom('gzip', 'br', 'identity', 'x-unknown')),
    authorization: rarely(
      fc.oneof(
        fc.constantFrom('Basic', 'Basic Og==', 'Bearer', 'Bearer x.y.z', 'Digest a=b'),
        fc.base64String({ maxLength: 40 }).map((s) => `Basic ${s}`),
      ),
    ),
  })
  .map(
    (h) =>
      Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >,
  );

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

/** Words that say which part of a request is wrong, or an OAuth parameter's name. */
const PART =
  /\b(body|JSON|Content-Type|Content-Length|Content-Encoding|header|multipart|part|form|fields?|parameters?|query|Idempotency-Key|Authorization|file|charset|grant_type|username|password|client_id|client_secret|refresh_token|scope|token)\b/i;
/** `field: message`, as a field error reads in a detail, a userMessage, a description. */
const FIELD_FIRST = /^[^\n:]{1,200}: |^[^\n]{1,200}?: (must|is|are|has|needs|should|may)\b/;

interface Answer {
  status: number;
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: fuzz answers are checked field by field
  body: any;
  text: string;
}

/** What is wrong with an answer to a fuzzed request; undefined when it is fine. */
function problemWith(shape: Shape, a: Answer): string | undefined {
  if (a.status >= 500) return `answered ${a.status}`;
  if (a.status < 400) return undefined;
  const b = a.body ?? {};
  if (shape === 'oauth') {
    if (typeof b.error !== 'string' || typeof b.error_description !== 'string') {
      return 'a 4xx not in the RFC 6749 shape {error, error_description}';
    }
    if (
      a.status === 400 &&
      !FIELD_FIRST.test(b.error_description) &&
      !PART.test(b.error_description)
    ) {
      return 'a 400 whose error_description names no parameter or part of the request';
    }
    return undefined;
  }
  if (shape === 'itsm') {
    if (b.returnCode !== 'FAILURE' || b.status !== a.status || typeof b.userMessage !== 'string') {
      return 'a 4xx not in the ITSM FAILURE envelope';
    }
    if (a.status === 400 && !FIELD_FIRST.test(b.userMessage) && !PART.test(b.userMessage)) {
      return 'a 400 whose userMessage names no field or part of the request';
    }
    return undefined;
  }
  if (!a.type.startsWith('application/problem+json') || b.status !== a.status) {
    return 'a 4xx that is not problem+json';
  }
  if (a.status !== 400) return undefined;
  const errors: { field?: unknown; message?: unknown }[] = Array.isArray(b.errors) ? b.errors : [];
  const named =
    errors.length > 0 && errors.every((e) => typeof e.field === 'string' && e.field !== '');
  if (!named && !PART.test(String(b.detail))) {
    return 'a 400 that names no field (errors[].field) and no part of the request';
  }
  return undefined;
}

describe.each(dialects)('fuzzing every write endpoint on %s', (dialect) => {
  let t: TestServer;
  let dataDir: string;
  const logErrors: string[] = [];
  const tokens: Record<'admin' | 'member' | 'erp', string> = { admin: '', member: '', erp: '' };
  const params: Record<string, string> = {};
  let operations: Operation[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;

  /** Sends one fuzzed request; every answer is counted and checked. */
  async function send(
    op: Operation,
    body: Buffer | undefined,
    headers: Record<string, string>,
    token: 'admin' | 'member' | 'erp' | 'none',
    pathValues: Record<string, string> = params,
  ): Promise<{ answer: Answer; problem: string | undefined; request: string }> {
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(pathValues[name] ?? params[name] ?? 'x'),
    );
    const shown =
      body && body.length > 300 ? `${body.subarray(0, 300)}… (${body.length} bytes)` : body;
    const all: Record<string, string> = { ...headers };
    if (token !== 'none' && all.authorization === undefined) {
      all.authorization = `Bearer ${tokens[token]}`;
    }
    const request = `${op.method} ${path} ${JSON.stringify(all)} ${JSON.stringify(String(shown ?? ''))}`;
    let res: Response;
    let text: string;
    try {
      // A hang is a failure too (a body never read, a connection never answered).
      res = await fetch(`${t.url}${path}`, {
        method: op.method,
        headers: all,
        body,
        signal: AbortSignal.timeout(ANSWER_MS),
      });
      text = await res.text();
    } catch (err) {
      throw new Error(`no answer (${String(err)})\n  request: ${request}`);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    sent++;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const answer = {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: parsed,
      text,
    };
    return { answer, problem: problemWith(shapeOf(op), answer), request };
  }

  /** Fails with the request, the answer and any error the server logged for it. */
  function check(result: Awaited<ReturnType<typeof send>>): void {
    if (result.problem === undefined && logErrors.length === 0) return;
    throw new Error(
      `${result.problem ?? 'the server logged an error'}\n  request: ${result.request}\n` +
        `  answer: ${result.answer.status} ${result.answer.text.slice(0, 500)}\n` +
        `  server log: ${logErrors.join('\n')}`,
    );
  }

  const tokenFor = (op: Operation): 'admin' | 'member' | 'erp' | 'none' =>
    op.tags.includes('admin')
      ? 'admin'
      : shapeOf(op) === 'oauth' || op.tags.includes('exposed') || op.tags.includes('session')
        ? 'none'
        : op.tags.includes('itsm')
          ? 'erp'
          : 'member';

  const alive = async () => {
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
  };

  const assertOptions = <Ts extends unknown[]>(label: string): fc.Parameters<Ts> => ({
    seed: SEED,
    numRuns: RUNS,
    interruptAfterTimeLimit: TIME_LIMIT_MS,
    markInterruptAsFailure: false,
    endOnFailure: true,
    reporter: (details: fc.RunDetails<Ts>) => {
      console.info(
        `[${dialect}] ${label}: ${details.numRuns} runs (seed ${details.seed})${details.interrupted ? ', stopped at the time limit' : ''}`,
      );
      if (details.failed) {
        // The failing request and answer, not fast-check's dump of a possibly huge body.
        throw new Error(
          `${label}: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}\n` +
            `  replay: BZCTRL_FUZZ_SEED=${details.seed} (path ${details.counterexamplePath})`,
        );
      }
    },
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bzctrl-fuzz-'));
    const capture = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) {
          if (line && (JSON.parse(line) as { level: number }).level >= 50) logErrors.push(line);
        }
        done();
      },
    });
    t = await startTestServer(dialect, {
      logStream: capture,
      env: {
        BZCTRL_DATA_DIR: dataDir,
        BZCTRL_LOG_LEVEL: 'error',
        BZCTRL_UPLOAD_LIMIT: String(32 * 1024),
        // A multipart parser stuck on a malformed part header is answered after this.
        BZCTRL_BODY_IDLE_TIMEOUT: '2',
        BZCTRL_EXPOSED_RATE_LIMIT: '1000000',
        BZCTRL_EXPOSED_RATE_LIMIT_PER_ADDRESS: '1000000',
        BZCTRL_LOGIN_MAX_FAILURES_PER_ACCOUNT: '100',
        BZCTRL_LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
      },
    });
    [tokens.admin, tokens.member] = await Promise.all([
      t.login('admin@example.com'),
      t.login('example@example.com'),
    ]);
    const cc = await t.request('POST', TOKEN_PATHS[0] ?? '', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'erp',
        client_secret: 'erp-client-secret-0001',
      }),
    });
    tokens.erp = cc.body.access_token;

    // Real targets for the path parameters, so bodies reach the code behind them.
    const todo = await t.request('POST', '/bzctrl-core-api/api/v1/task/add-task', {
      token: tokens.member,
      body: {
        todoType: 'INCIDENT',
        domainWorkSpace: 'IMP-NLD-EXA-SWA',
        title: 'Fuzz target',
        description: 'Changed by the fuzz test',
        reporter: 'example@example.com',
      },
    });
    expect(todo.status, todo.text).toBe(201);
    const endpoint = await t.request('POST', '/bzctrl-core-api/api/v1/admin/exposed-endpoints', {
      token: tokens.admin,
      body: { workspace: 'IMP-NLD-EXA-SWA', name: 'Fuzz form' },
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    Object.assign(params, {
      ref: todo.body.key,
      id: String(todo.body.id),
      uuid: endpoint.body.uuid,
      email: 'username@example.com',
      key: 'VTT-NLD-TML-FIN',
      code: 'OTH-BEL-ANT',
      clientId: 'other',
    });

    // Every write operation the API documents, with its body's field names.
    const doc = (await t.request('GET', '/bzctrl-core-api/openapi.json')).body;
    // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document as parsed JSON
    const resolve = (schema: any): any =>
      schema?.$ref ? doc.components.schemas[String(schema.$ref).split('/').pop() ?? ''] : schema;
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document as parsed JSON
      Object.entries(ops as Record<string, any>)
        .filter(([method]) => ['post', 'put', 'patch'].includes(method))
        .map(([method, op]) => {
          const content = op.requestBody?.content ?? {};
          const schema = resolve(Object.values(content)[0] as { schema?: unknown })?.schema;
          return {
            method: method.toUpperCase(),
            path,
            tags: op.tags ?? [],
            fields: Object.keys(resolve(schema)?.properties ?? {}),
          };
        }),
    );
  });
  afterAll(async () => {
    console.info(
      `[${dialect}] ${sent} fuzzed requests over ${operations.length} write operations; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
    await t?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('covers every write endpoint the issue names', () => {
    const listed = operations.map((op) => `${op.method} ${op.path}`);
    expect(listed).toEqual(expect.arrayContaining(REQUIRED));
  });

  it('answers the known 500s of issue 11 with a 4xx naming the part', async () => {
    const byPath = (method: string, path: string) => {
      const op = operations.find((o) => o.method === method && o.path === path);
      if (!op) throw new Error(`no operation ${method} ${path}`);
      return op;
    };
    const noBoundary = { 'content-type': 'multipart/form-data' };
    for (const path of TOKEN_PATHS) {
      const r = await send(
        byPath('POST', path),
        Buffer.from('grant_type=password'),
        noBoundary,
        'none',
      );
      check(r);
      expect(r.answer.status).toBe(400);
      expect(r.answer.body.error_description).toMatch(/Content-Type.*boundary/);
    }
    for (const path of ['/api/oprfile', '/bzctrl-core-api/api/v1/uploads']) {
      const r = await send(byPath('POST', path), Buffer.from('--x\r\n'), noBoundary, 'member');
      check(r);
      expect(r.answer.status).toBe(400);
      expect(r.answer.text).toMatch(/Content-Type.*boundary/);
    }
    const deep = Buffer.from(`{"title":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    for (const [method, path, token] of [
      ['PUT', '/api/task', 'member'],
      ['POST', '/bzctrl-core-api/api/v1/task/add-exposed-task/{uuid}', 'none'],
      ['POST', '/bzctrl-core-api/api/v1/todos/{ref}/comments', 'member'],
    ] as const) {
      const r = await send(
        byPath(method, path),
        deep,
        { 'content-type': 'application/json', 'idempotency-key': `deep-${method}-${path}` },
        token,
      );
      check(r);
      expect(r.answer.status).toBe(400);
      expect(r.answer.body.errors).toContainEqual({
        field: 'body',
        message: expect.stringContaining('nested deeper than 64'),
      });
    }
    await alive();
  });

  it('answers fuzzed JSON bodies without a 5xx, naming what is wrong', async () => {
    const jsonOps = () => operations.filter((op) => !op.path.match(/oprfile|uploads$/));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...jsonOps()).chain((op) =>
          fc.record({
            op: fc.constant(op),
            body: fc.oneof(jsonBody(op.fields), mutatedBody(op)),
            type: contentTypeArb,
            headers: extraHeadersArb,
            oddParam: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
          }),
        ),
        async (c) => {
          const pathValues =
            c.oddParam === undefined
              ? params
              : {
                  ...params,
                  ...Object.fromEntries(Object.keys(params).map((k) => [k, c.oddParam as string])),
                };
          const headers = { ...c.headers, 'content-type': c.type };
          check(await send(c.op, c.body, headers, tokenFor(c.op), pathValues));
        },
      ),
      assertOptions('JSON bodies'),
    );
    await alive();
  });

  it('answers fuzzed multipart bodies without a 5xx, naming the part', async () => {
    const targets = () =>
      operations.filter((op) => TOKEN_PATHS.includes(op.path) || /oprfile|uploads$/.test(op.path));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets()),
        multipartArb,
        fc.option(fc.uuid(), { nil: undefined }),
        async (op, m, key) => {
          const headers: Record<string, string> = { 'content-type': m.contentType };
          if (key) headers['idempotency-key'] = key;
          check(await send(op, m.body, headers, tokenFor(op)));
        },
      ),
      assertOptions('multipart bodies'),
    );
    await alive();
  });

  it('answers fuzzed token requests on both paths without a 5xx, in the RFC 6749 shape', async () => {
    const tokenOps = () => operations.filter((op) => shapeOf(op) === 'oauth');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...tokenOps()),
        fc.oneof(
          {
            weight: 4,
            arbitrary: formArb.map((body) => ({ body, type: 'application/x-www-form-urlencoded' })),
          },
          {
            weight: 1,
            arbitrary: multipartArb.map((m) => ({ body: m.body, type: m.contentType })),
          },
          {
            weight: 1,
            arbitrary: fc
              .tuple(jsonBody(FORM_KEYS), contentTypeArb)
              .map(([body, type]) => ({ body, type })),
          },
        ),
        extraHeadersArb,
        async (op, b, headers) => {
          check(await send(op, b.body, { ...headers, 'content-type': b.type }, 'none'));
        },
      ),
      assertOptions('token requests'),
    );
    await alive();
    // The real clients still get their tokens.
    expect(await t.login('example@example.com')).toEqual(expect.any(String));
  });
});
