import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const BIN = join(ROOT, 'apps/server/bin/bzctrl.js');

/**
 * `bzctrl <args>` as a child process, as an operator runs it: the BZCTRL_* settings are
 * `env` only (none leak from the test's own environment).
 */
export function runBzctrl(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('BZCTRL_')),
  );
  return new Promise((res) => {
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
