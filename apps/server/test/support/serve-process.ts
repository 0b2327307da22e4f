import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const BIN = join(ROOT, 'apps/server/bin/bzctrl.js');

export interface ServeProcess {
  pid: number;
  /** The address it listens on, once it says so. */
  listening: Promise<string>;
  output(): string;
  /** How it ended: an exit code, or the signal that killed it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal and returns at once. */
  send(name: NodeJS.Signals): void;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown code runs, as in a crash or an OOM kill. */
  kill9(): Promise<void>;
}

/**
 * `bzctrl serve` in a process of its own, as an operator runs it. One process unless
 * `args` or `env` ask for workers (`--workers 2`), whatever the database. `bin` is the
 * command's file (bin/bzctrl.js unless a test runs a build of its own).
 */
export function spawnServe(
  env: Record<string, string>,
  args: string[] = [],
  bin = BIN,
): ServeProcess {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('BZCTRL_')),
  );
  const child: ChildProcess = spawn(process.execPath, [bin, 'serve', ...args], {
    cwd: ROOT,
    env: {
      ...base,
      BZCTRL_PORT: '0',
      BZCTRL_LOG_LEVEL: 'info',
      BZCTRL_SCRYPT_LOG_N: '14',
      BZCTRL_WORKERS: '1',
      // No drain after SIGTERM unless a test asks for one: stops stay quick.
      BZCTRL_DRAIN_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('close', (code, signal) => res({ code, signal })),
  );
  const listening = new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not start:\n${out}`)), 90_000);
    child.stdout?.on('data', () => {
      const url = /BzCtrl listening on (\S+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        res(url.replace('[::1]', '127.0.0.1'));
      }
    });
    exited.then(() => {
      clearTimeout(timer);
      rej(new Error(`serve exited:\n${out}`));
    });
  });
  // A caller that only stops the process must not see an unhandled rejection.
  listening.catch(() => undefined);
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return {
    pid: child.pid ?? -1,
    listening,
    output: () => out,
    exited,
    send: (name) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    },
    stop: () => signal('SIGTERM'),
    kill9: () => signal('SIGKILL'),
  };
}

export interface BzctrlRun {
  code: number;
  /** stdout, then stderr. */
  out: string;
  stdout: string;
  err: string;
}

/**
 * `bzctrl <args>` (an operations command such as backup or migrate-to) as a child process
 * that runs to its end, configured by `env` alone: no BZCTRL_* of the test's own
 * environment leaks in.
 */
export function runBzctrl(args: string[], env: Record<string, string>): Promise<BzctrlRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('BZCTRL_')),
  );
  return new Promise((res) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...base, ...env }, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        res({
          code: typeof code === 'number' ? code : 1,
          out: stdout + stderr,
          stdout,
          err: stderr,
        });
      },
    );
  });
}

/**
 * The environment of a `bzctrl serve` under test on `databaseUrl`: warnings only in its
 * log, no background jobs (nothing is sent anywhere), no rate limit in a load's way.
 */
export function serveEnv(databaseUrl: string, dataDir: string): Record<string, string> {
  return {
    BZCTRL_DATABASE_URL: databaseUrl,
    BZCTRL_DATA_DIR: dataDir,
    BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
    BZCTRL_LOG_LEVEL: 'warn',
    BZCTRL_JOBS: 'false',
    BZCTRL_RATE_LIMIT: '1000000',
  };
}
