import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fastify's two lines for every request. */
const REQUEST_LINES = new Set(['incoming request', 'request completed']);
/** Shown in the line's head, or said by the process already. */
const SHOWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

/**
 * The log of `bzctrl serve --demo`, for a person at a terminal: one readable line per
 * entry (time, level, message, then its plain fields) instead of JSON, and without
 * Fastify's two info lines per request unless `requests` is set, so the demo sign-ins
 * printed at start do not scroll away while someone clicks around. Warnings, errors
 * and what the jobs do (a mail logged instead of sent) still show.
 */
export function demoLogStream(out: NodeJS.WritableStream, opts: { requests: boolean }): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const text = readableLine(line, opts.requests);
        if (text !== null) out.write(`${text}\n`);
      }
      done();
    },
  });
}

/** One pino JSON line as text; null for a line left out. Anything not JSON passes as is. */
function readableLine(line: string, requests: boolean): string | null {
  if (line.trim() === '') return null;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = Number(entry.level);
  if (!requests && level <= 30 && REQUEST_LINES.has(String(entry.msg))) return null;
  const time =
    typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const fields = Object.entries(entry).flatMap(([k, v]) => {
    if (SHOWN.has(k)) return [];
    if (typeof v === 'number' && !Number.isInteger(v)) return [`${k}=${v.toFixed(1)}`];
    if (v === null || typeof v !== 'object') return [`${k}=${String(v)}`];
    // Fastify's request and response in a few words; other objects repeat the message.
    const o = v as Record<string, unknown>;
    if (k === 'req') return [`${o.method} ${o.url}`];
    if (k === 'res') return [`status=${o.statusCode}`];
    return [];
  });
  const head = [time, (LEVELS[level] ?? String(level)).padEnd(5), entry.msg ?? '', ...fields]
    .join(' ')
    .trim();
  const err = entry.err as { stack?: unknown; message?: unknown } | undefined;
  return err ? `${head}\n${String(err.stack ?? err.message)}` : head;
}
