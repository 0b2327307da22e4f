import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Outbound HTTP to addresses a tenant chose (webhook targets), without letting them point
 * BzCtrl at its own network: the host is resolved, every address it resolves to must be
 * public, and the request connects to the address that was checked, so a DNS answer that
 * changes between the check and the connection (rebinding) cannot swap it.
 */

export interface TargetPolicy {
  /** Private, loopback, link-local, unique-local, CGNAT and metadata addresses too. */
  allowPrivate: boolean;
  /** Hosts that may be reached over plain HTTP (lower-case). */
  httpHosts: readonly string[];
}

/** A target that passed the policy: the address to connect to. */
export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export class TargetRefused extends Error {}

/** Whether an address is a public unicast one (ipaddr.js's ranges; mapped IPv4 unwrapped). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

function isLoopback(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'loopback';
}

/** Checks a URL's form (scheme, no credentials) before any resolution. */
export function checkTargetUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TargetRefused('must be an https:// URL');
  }
  if (url.username || url.password) {
    throw new TargetRefused('must not carry a user name or password');
  }
  if (url.hash) throw new TargetRefused('must not have a #fragment');
  return url;
}

/**
 * Resolves and checks a target: every address the host resolves to must be public
 * unless `allowPrivate`; plain HTTP only to loopback (when allowed) or a configured host.
 * Throws TargetRefused with a message for the `url` field.
 */
export async function checkTarget(raw: string, policy: TargetPolicy): Promise<CheckedTarget> {
  const url = checkTargetUrl(raw);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new TargetRefused(`host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new TargetRefused(`host ${host} does not resolve`);
  if (!policy.allowPrivate) {
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad) {
      throw new TargetRefused(
        `resolves to ${bad.address}, a private, loopback, link-local or metadata address; such targets are refused (BZCTRL_WEBHOOK_ALLOW_PRIVATE)`,
      );
    }
  }
  const first = addresses[0] as { address: string; family: number };
  if (url.protocol === 'http:') {
    const loopback = addresses.every((a) => isLoopback(a.address));
    if (!(loopback && policy.allowPrivate) && !policy.httpHosts.includes(host)) {
      throw new TargetRefused(
        'must be an https:// URL (plain http only to loopback or to a host in BZCTRL_WEBHOOK_HTTP_HOSTS)',
      );
    }
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

export interface PostResult {
  /** The answer's status; null when there was none (refused, timeout, network). */
  status: number | null;
  /** The answer's first bytes, at most `keepBytes`. */
  body: string;
  error: string | null;
}

/**
 * POSTs `body` to a checked target, connecting to its checked address, with a total
 * deadline. Redirects are not followed (a 3xx is an answer like any other). Never throws.
 */
export function postTo(
  target: CheckedTarget,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; keepBytes: number; signal?: AbortSignal },
): Promise<PostResult> {
  const { url, address, family } = target;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = transport.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'BzCtrl-Webhooks/1',
          ...headers,
        },
        agent: false,
        signal: opts.signal,
        // The address checked above, whatever the name resolves to now.
        lookup: (_host, options, cb) => {
          if ((options as { all?: boolean }).all) cb(null, [{ address, family }]);
          else (cb as (e: null, a: string, f: number) => void)(null, address, family);
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        const done = () =>
          finish({
            status: res.statusCode ?? null,
            body: Buffer.concat(chunks).toString('utf8'),
            error: null,
          });
        res.on('data', (chunk: Buffer) => {
          if (kept < opts.keepBytes) {
            const part = chunk.subarray(0, opts.keepBytes - kept);
            chunks.push(part);
            kept += part.length;
          }
          // Enough read: the rest is not needed.
          if (kept >= opts.keepBytes) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ status: null, body: '', error: `no answer within ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (err) => finish({ status: null, body: '', error: err.message.slice(0, 300) }));
    req.end(body);
  });
}
