import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever came
  json: any;
  /** The status it was answered with. */
  answered: number;
}

/**
 * A real HTTP webhook receiver on loopback. `answer` picks the status (and body) per
 * request; by default 204.
 */
export async function startReceiver(
  answer: (r: Omit<Received, 'answered'>, n: number) => number | [number, string] = () => 204,
) {
  const got: Received[] = [];
  let waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const r = { headers: req.headers, body, json };
      const a = answer(r, got.length);
      const [status, text] = Array.isArray(a) ? a : [a, ''];
      got.push({ ...r, answered: status });
      res.writeHead(
        status,
        status >= 300 && status < 400 ? { location: 'http://127.0.0.1:9/' } : {},
      );
      res.end(text);
      for (const w of waiters) w();
      waiters = [];
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    got,
    /** The requests answered 2xx. */
    delivered: () => got.filter((r) => r.answered >= 200 && r.answered < 300),
    /** Waits until `check` holds (checked after each request), or fails after `ms`. */
    async until(check: () => boolean, ms = 10_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!check()) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`receiver: condition not met within ${ms} ms (${got.length} requests)`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
