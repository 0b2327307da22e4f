import { BzCtrlError, describeFailure, retryAfterMs } from './errors.ts';

export interface RetryPolicy {
  /** Retries after the first attempt (network errors, 429, 503). */
  retries: number;
  /** First back-off step in ms; each retry doubles it, with full jitter. */
  baseDelayMs: number;
  /** No single wait is longer; a Retry-After beyond it ends the retries. */
  maxDelayMs: number;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/** Puts a caller's credentials on each attempt: a bearer token, or a browser session's CSRF token. */
export interface Signer {
  /** Signs one attempt's headers; answers what it sent, for `invalidate`. */
  sign(headers: Headers, method: string): Promise<string>;
  /** Whether a rejected credential can be replaced (by refresh or by a new grant). */
  readonly canRenew: boolean;
  /** Called after a 401 with what `sign` sent. */
  invalidate(rejected: string): void;
}

/**
 * A random UUID v4. Browsers give `crypto.randomUUID` only in secure contexts (https or
 * localhost); a BzCtrl served over plain http on a LAN name still needs keys.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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

/** What one call may ask of the transport beyond the request itself. */
export interface SendOptions {
  /**
   * Whether a 429 is waited out and retried (true unless told). A sign-in says false: a
   * throttled sign-in must reach the person at once with its wait, not hang for it, and a
   * retry would only send the password again.
   */
  retryTooManyRequests?: boolean;
}

/**
 * A `fetch` for openapi-fetch that signs every call with the current access token,
 * gives each POST, PUT and PATCH one `Idempotency-Key` kept across its retries (so a
 * retried create is replayed, not repeated), retries network errors and 429/503
 * (honouring Retry-After), and renews the token once on a 401.
 */
export function authorizedFetch(
  signer: Signer,
  policy: RetryPolicy,
  fetchFn: typeof fetch,
): (request: Request, options?: SendOptions) => Promise<Response> {
  return async (request, options = {}) => {
    const retryable = new Set([503, ...(options.retryTooManyRequests === false ? [] : [429])]);
    const method = request.method.toUpperCase();
    // Read once so every attempt can send the same bytes.
    const bytes = method === 'GET' || method === 'HEAD' ? undefined : await request.arrayBuffer();
    const body = bytes?.byteLength ? bytes : undefined;
    const headers = new Headers(request.headers);
    if (WRITES.has(method) && !headers.has('idempotency-key')) {
      headers.set('Idempotency-Key', newIdempotencyKey());
    }
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const token = await signer.sign(headers, method);
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
          throw new BzCtrlError(
            0,
            'network_error',
            `${method} ${request.url}: ${describeFailure(err)}`,
          );
        }
        await sleep(backoffMs(attempt, policy), request.signal);
        continue;
      }
      if (response.status === 401 && !renewed && signer.canRenew) {
        // An expired or revoked token: renew once and try again; that is not a retry.
        renewed = true;
        attempt--;
        await response.body?.cancel();
        signer.invalidate(token);
        continue;
      }
      if (retryable.has(response.status) && attempt < policy.retries) {
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
