import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

/**
 * `bzctrl export --workspace <KEY>` as an operator runs it, on each database: every line
 * parses, names its type, and together they hold the workspace's todos, their history,
 * comments and attachments (content included), and nothing of another workspace.
 */

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const BIN = join(ROOT, 'apps/server/bin/bzctrl.js');
const API = '/bzctrl-core-api/api/v1';

function bzctrl(args: string[], env: Record<string, string>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('BZCTRL_')),
  );
  return new Promise<{ code: number; out: string; err: string }>((res) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...base, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (e, stdout, stderr) => {
        const code = e ? (e as { code?: number }).code : 0;
        res({ code: typeof code === 'number' ? code : 1, out: stdout, err: stderr });
      },
    );
  });
}

describe.each(dialects)('bzctrl export on %s', (dialect) => {
  let t: TestServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bzctrl-export-'));
    t = await startTestServer(dialect, { env: { BZCTRL_DATA_DIR: dataDir } });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes todos, history, comments and attachments as JSON Lines', async () => {
    const token = await t.login('example@example.com');
    const create = (title: string, workspace: string) =>
      t.request('POST', `${API}/todos`, {
        token,
        body: {
          title,
          description: `About ${title}`,
          todoType: 'TASK',
          workspace,
          tags: ['audit'],
        },
      });
    const a = await create('Export me', 'IMP-NLD-EXA-SWA');
    expect(a.status, a.text).toBe(201);
    const other = await create('Not in the export', 'VTT-NLD-TML-FIN');
    expect(other.status).toBe(201);
    const comment = await t.request('POST', `${API}/todos/${a.body.key}/comments`, {
      token,
      body: { body: 'Checked the seals' },
    });
    expect(comment.status, comment.text).toBe(201);
    // Bytes of every value, and a length that is not a multiple of 3 (base64 padding).
    const content = Buffer.from(Array.from({ length: 70_001 }, (_, i) => (i * 7) % 256));
    const fd = new FormData();
    fd.append('file', new Blob([content], { type: 'application/octet-stream' }), 'seals.bin');
    const upload = await t.request('POST', `${API}/uploads`, { token, body: fd });
    expect(upload.status, upload.text).toBe(201);
    const attach = await t.request('POST', `${API}/todos/${a.body.key}/attachments`, {
      token,
      body: { upload: upload.body.ref },
    });
    expect(attach.status, attach.text).toBeLessThan(300);

    const env = { BZCTRL_DATABASE_URL: t.databaseUrl, BZCTRL_DATA_DIR: dataDir };
    const outFile = join(dataDir, 'export.jsonl');
    const run = await bzctrl(['export', '--workspace', 'IMP-NLD-EXA-SWA', '--out', outFile], env);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(
      /Exported IMP-NLD-EXA-SWA: 1 todos, \d+ history events, 1 comments, 1 attachments/,
    );
    const lines = readFileSync(outFile, 'utf8').trimEnd().split('\n');
    const items = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const ofType = (type: string) => items.filter((i) => i.type === type);
    expect(new Set(items.map((i) => i.type))).toEqual(
      new Set(['workspace', 'todo', 'history', 'comment', 'attachment']),
    );
    expect(ofType('workspace')).toMatchObject([{ key: 'IMP-NLD-EXA-SWA' }]);
    expect(ofType('todo')).toMatchObject([
      { key: a.body.key, title: 'Export me', description: 'About Export me', tags: ['audit'] },
    ]);
    expect(ofType('history')).toContainEqual(
      expect.objectContaining({ todoKey: a.body.key, action: 'create' }),
    );
    expect(ofType('comment')).toMatchObject([{ todoKey: a.body.key, body: 'Checked the seals' }]);
    const [file] = ofType('attachment');
    expect(file).toMatchObject({ todoKey: a.body.key, name: 'seals.bin', size: content.length });
    expect(Buffer.from(String(file?.content), 'base64').equals(content)).toBe(true);
    expect(lines.join('\n')).not.toContain('Not in the export');

    // To stdout: only the lines there, the summary on stderr.
    const piped = await bzctrl(['export', '--workspace', 'IMP-NLD-EXA-SWA'], env);
    expect(piped.code).toBe(0);
    expect(piped.out.trimEnd().split('\n')).toEqual(lines);

    const unknown = await bzctrl(['export', '--workspace', 'NOPE-XXX-YYY-ZZZ'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no workspace NOPE-XXX-YYY-ZZZ');
    const missing = await bzctrl(['export'], env);
    expect(missing.code).toBe(2);
  }, 60_000);
});
