import { BzCtrlClient, BzCtrlError, type FieldError } from '@bzctrl/sdk';

/**
 * The one client the app uses. The server is the page's own origin; the session cookie
 * travels by itself and writes carry the CSRF token (`session: true`). Retries stay on
 * for network errors, 429 and 503, as for every SDK user; a throttled sign-in comes back
 * at once, with its wait in `retryAfter`.
 */
export const bz = new BzCtrlClient({ baseUrl: window.location.origin, session: true });

export const API = '/bzctrl-core-api/api/v1';

export { BzCtrlError, type FieldError };

/** Listeners told when a call finds the session gone (expired, revoked, signed out elsewhere). */
const signedOutListeners = new Set<() => void>();
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/**
 * Runs an API call; a 401 means the session ended, so the app returns to sign-in (and
 * afterwards to the page the user was on). Other errors are the caller's to show.
 */
export async function call<T>(run: (client: BzCtrlClient) => Promise<T>): Promise<T> {
  try {
    return await run(bz);
  } catch (err) {
    if (err instanceof BzCtrlError && err.status === 401) {
      for (const listener of signedOutListeners) listener();
    }
    throw err;
  }
}

/**
 * `bz.raw` (openapi-fetch) answers `{data, error, response}`; this throws the error as a
 * BzCtrlError instead, so every page handles failures one way.
 */
export async function raw<T>(
  run: (client: BzCtrlClient['raw']) => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  return call(async (client) => {
    const { data, error, response } = await run(client.raw);
    if (!response.ok || error !== undefined) throw BzCtrlError.fromBody(response, error);
    return data as T;
  });
}

/** Words a user understands for any failure; field errors are shown at their fields instead. */
export function describeError(err: unknown): string {
  if (err instanceof BzCtrlError) {
    if (err.status === 0) return 'BzCtrl cannot be reached. Check your connection and try again.';
    if (err.status === 403) return err.detail || 'You are not allowed to do this.';
    if (err.status === 404) return 'Not found, or not in a workspace you can use.';
    if (err.status === 409 || err.status === 412)
      return 'Someone else changed this in the meantime. Reload and try again.';
    if (err.status === 429) return 'Too many requests. Wait a moment and try again.';
    if (err.status >= 500) return 'BzCtrl had a problem answering. Try again in a moment.';
    return err.detail || err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * A problem's field errors by field name (the server names them `field` or a JSON pointer).
 * A custom field keeps its own name: `customFields.Vessel`.
 */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof BzCtrlError)) return out;
  for (const e of err.errors ?? []) {
    const custom = /^\/?customFields[./](.+)$/.exec(e.field)?.[1];
    const name = custom
      ? `customFields.${custom}`
      : (e.field.replace(/^\/+/, '').split(/[/.]/)[0] ?? e.field);
    out[name] ??= e.message;
  }
  return out;
}
