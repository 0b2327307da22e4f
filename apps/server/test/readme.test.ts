import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProvisionFile } from '../src/core/provisioning/provision.service.ts';
import { startTestServer, type TestServer } from './support/harness.ts';

const README = new URL('../../../README.md', import.meta.url);
const DEMO = new URL('../../../examples/demo.provision.json', import.meta.url);
const BASE = 'http://127.0.0.1:8080';
/** Values that differ on every run; their presence is still checked. */
const VOLATILE = new Set([
  'access_token',
  'refresh_token',
  'jti',
  'token',
  'createdAt',
  'updatedAt',
  'requestId',
  // The date of the transaction, and when an event happened.
  'dueDate',
  'at',
  'uuidHint',
  // Upload references are random.
  'refFileName',
  // A webhook's signing secret is random.
  'secret',
  // A feed cursor is opaque: where it points depends on every event before it.
  'next',
]);
/** UUIDs (request ids, exposed endpoints) differ on every run, also inside a URL. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/**
 * Dates and times depend on the day the examples run (a history change's `new` due date,
 * an expiry in a message): any ISO date, with or without its time, must still be a date.
 */
const DATE = /\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?/g;

/** A shared link's token (signed, so different on every run), inside its URL. */
const SHARED_TOKEN = /#\/shared\/[0-9a-z.]+\.[A-Za-z0-9_-]{43}/g;

/** A string with what differs on every run masked. */
function masked(text: string): string {
  return text
    .replace(UUID, '<uuid>')
    .replace(SHARED_TOKEN, '#/shared/<token>')
    .replace(DATE, '<date>');
}

interface Example {
  command: string;
  expected?: unknown;
}

/** The README's curl blocks, each with the JSON block that follows it, if any. */
function examples(markdown: string): Example[] {
  const blocks = [...markdown.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1],
    body: m[2] ?? '',
  }));
  const out: Example[] = [];
  blocks.forEach((b, i) => {
    if (b.lang !== 'sh' || !b.body.includes('curl')) return;
    const next = blocks[i + 1];
    out.push({
      command: b.body,
      expected: next?.lang === 'json' ? JSON.parse(next.body) : undefined,
    });
  });
  return out;
}

/** Same keys everywhere, and the same values except where they are volatile. */
function sameShape(actual: unknown, expected: unknown, path = '$'): string[] {
  if (typeof expected === 'string' && typeof actual === 'string') {
    return masked(actual) === masked(expected)
      ? []
      : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  if (expected === null || typeof expected !== 'object') {
    return actual === expected
      ? []
      : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  if (actual === null || typeof actual !== 'object')
    return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  const problems: string[] = [];
  const keys = new Set([...Object.keys(a), ...Object.keys(e)]);
  for (const k of keys) {
    if (!(k in a)) problems.push(`${path}.${k}: missing`);
    else if (!(k in e)) problems.push(`${path}.${k}: not in the README`);
    else if (!VOLATILE.has(k)) problems.push(...sameShape(a[k], e[k], `${path}.${k}`));
  }
  return problems;
}

describe('README examples', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', {
      // The webhook example subscribes a receiver on this machine.
      env: { BZCTRL_PUBLIC_URL: BASE, BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true' },
      provision: await readProvisionFile(new URL(DEMO).pathname),
    });
  });
  afterAll(() => t?.close());

  it('answer as the README shows, in order', async () => {
    const list = examples(readFileSync(README, 'utf8'));
    expect(list.length).toBeGreaterThanOrEqual(6);
    const script = list
      .map((ex, i) => `echo "@@${i}@@"\n${ex.command.replaceAll(BASE, t.url)}\necho`)
      .join('\n');
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      timeout: 30_000,
    });
    const outputs = stdout.split(/@@\d+@@\n/).slice(1);
    expect(outputs).toHaveLength(list.length);
    list.forEach((ex, i) => {
      if (ex.expected === undefined) return;
      const text = outputs[i]?.trim() ?? '';
      let actual: unknown;
      expect(() => {
        actual = JSON.parse(text);
      }, `example ${i} printed: ${text}`).not.toThrow();
      expect(sameShape(actual, ex.expected), `example ${i}:\n${ex.command}`).toEqual([]);
    });
  });
});
