/**
 * nginx as a real load balancer in front of `bzctrl serve` nodes, with the upstream and
 * location of docs/nginx.conf (only the node addresses and the listen port changed), for
 * the rolling restart test and the multi-node benchmark.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './postgres-cluster.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

/** The nginx binary, or null when it is not installed (Debian: `apt-get install nginx`). */
export function findNginx(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(p, ['-v'], { stdio: 'ignore' });
      return p;
    } catch {
      /* not there */
    }
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * nginx.conf: docs/nginx.conf's upstream and server blocks, pointed at `nodes` (loopback
 * ports, one upstream server each) and a loopback `listen` port, in an http {} of its own
 * whose pid, logs and temporary files stay in `dir`.
 */
export function nginxConfig(dir: string, nodes: readonly number[], listen: number): string {
  const doc = readFileSync(join(ROOT, 'docs/nginx.conf'), 'utf8');
  const servers = [...doc.matchAll(/^([ \t]*)server[ \t]+\d+\.\d+\.\d+\.\d+:\d+(.*)$/gm)];
  if (servers.length !== 2) throw new Error('docs/nginx.conf: expected two upstream servers');
  if (!/^\s*listen 80;/m.test(doc)) throw new Error('docs/nginx.conf: expected `listen 80;`');
  const [first, second] = servers as [RegExpMatchArray, RegExpMatchArray];
  const upstream = nodes.map((port) => `${first[1]}server 127.0.0.1:${port}${first[2]}`).join('\n');
  const site = doc
    .replace(`${second[0]}\n`, '')
    .replace(first[0], upstream)
    .replace(/^(\s*)listen 80;/m, `$1listen 127.0.0.1:${listen};`);
  return [
    // As root, the workers would run as nobody, who may not write the temporary dirs.
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 1024; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    `  client_body_temp_path ${dir}/client_body;`,
    `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`,
    `  scgi_temp_path ${dir}/scgi;`,
    site,
    '}',
    '',
  ].join('\n');
}

export interface Nginx {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  /** The last lines of nginx's error log. */
  errorLog(): string;
  /** Graceful stop (SIGQUIT), SIGKILL after 3 s; removes its directory. */
  stop(): Promise<void>;
}

/** Starts nginx in front of `nodes` and resolves once it answers /healthz. */
export async function startNginx(bin: string, nodes: readonly number[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'bzctrl-nginx-'));
  const listen = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, nodes, listen));
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', conf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: string) => {
    out = (out + d).slice(-8000);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const closed = new Promise((res) => child.once('close', res));
  const stop = async () => {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGQUIT');
      const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 3000);
      await closed;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${listen}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`nginx did not start:\n${out}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return out;
    }
  };
  return { url, pid: child.pid ?? -1, errorLog, stop };
}
