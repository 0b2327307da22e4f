import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { runBzctrl } from './support/serve-process.ts';

/**
 * `bzctrl export --workspace <KEY>` as an operator runs it, on each database: every line
 * parses, names its type, and together they hold the workspace's todos, their history,
 * comments and attachments (content included), and nothing of another workspace.
 */

const API = '/bzctrl-core-api/api/v1';

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
    // Bytes of every value, and a length that is not a multiple of 3 (base64 padding);
    // on PostgreSQL three chunks of the database, whose sizes are no multiples of 3 either.
    const content = Buffer.from(Array.from({ length: 600_001 }, (_, i) => (i * 7) % 256));
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
    const run = await runBzctrl(
      ['export', '--workspace', 'IMP-NLD-EXA-SWA', '--out', outFile],
      env,
    );
    expect(run.code, run.err).toBe(0);
    expect(run.stdout).toMatch(
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
    const piped = await runBzctrl(['export', '--workspace', 'IMP-NLD-EXA-SWA'], env);
    expect(piped.code).toBe(0);
    expect(piped.stdout.trimEnd().split('\n')).toEqual(lines);

    const unknown = await runBzctrl(['export', '--workspace', 'NOPE-XXX-YYY-ZZZ'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no workspace NOPE-XXX-YYY-ZZZ');
    const missing = await runBzctrl(['export'], env);
    expect(missing.code).toBe(2);
  }, 60_000);
});
