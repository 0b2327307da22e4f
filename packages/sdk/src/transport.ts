import { BzCtrlError } from './errors.ts';
import { describe, type TokenManager } from './tokens.ts';

export interface RetryPolicy {
  /** Retries after the first attempt (network errors, 429, 503). */
  retries: number;
  /** First back-off step in ms; each retry doubles it, with full jitter. */
  baseDelayMs: number;
  /** No single wait is longer; a Retry-After beyond it ends the retries. */
  maxDelayMs: number;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/** How long the server asked us to wait (`Retry-After`: seconds or an HTTP date), in ms. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential back-off with full jitter: uniform in [0, base·2^attempt], capped. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

const sleep = (ms: number, signal: AbortSignal | null) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * A `fetch` for openapi-fetch that signs every call with the current access token,
 * gives each POST, PUT and PATCH one `Idempotency-Key` kept across its retries (so a
 * retried create is replayed, not repeated), retries network errors and 429/503
 * (honouring Retry-After), and renews the token once on a 401.
 */
export function authorizedFetch(
  tokens: TokenManager,
  policy: RetryPolicy,
  fetchFn: typeof fetch,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const method = request.method.toUpperCase();
    // Read once so every attempt can send the same bytes.
    const bytes = method === 'GET' || method === 'HEAD' ? undefined : await request.arrayBuffer();
    const body = bytes?.byteLength ? bytes : undefined;
    const headers = new Headers(request.headers);
    if (WRITES.has(method) && !headers.has('idempotency-key')) {
      headers.set('Idempotency-Key', crypto.randomUUID());
    }
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const token = await tokens.accessToken();
      headers.set('authorization', `Bearer ${token}`);
      let response: Response;
      try {
        response = await fetchFn(request.url, {
          method,
          headers,
          body,
          signal: request.signal,
          redirect: request.redirect,
        });
      } catch (err) {
        if (request.signal.aborted) throw err;
        if (attempt >= policy.retries) {
          throw new BzCtrlError(0, 'network_error', `${method} ${request.url}: ${describe(err)}`);
        }
        await sleep(backoffMs(attempt, policy), request.signal);
        continue;
      }
      if (response.status === 401 && !renewed && tokens.canRenew) {
        // An expired or revoked token: renew once and try again; that is not a retry.
        renewed = true;
        attempt--;
        await response.body?.cancel();
        tokens.invalidate(token);
        continue;
      }
      if ((response.status === 429 || response.status === 503) && attempt < policy.retries) {
        const wait =
          retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(attempt, policy);
        // Asked to wait longer than we would: hand the answer back instead of hanging.
        if (wait > policy.maxDelayMs) return response;
        await response.body?.cancel();
        await sleep(wait, request.signal);
        continue;
      }
      return response;
    }
  };
}
