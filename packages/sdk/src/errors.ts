/** One invalid field of a request, as the server names it (`tags[0]`, `externalRef.id`). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error answer from BzCtrl: the RFC 9457 problem details of the API, or the RFC 6749
 * error of the token endpoint, with what a caller needs to react or report it.
 *
 * @example
 * try {
 *   await bz.todos.create({ todoType: 'TASK', title: '' });
 * } catch (err) {
 *   if (err instanceof BzCtrlError && err.code === 'validation_failed') {
 *     for (const e of err.errors) console.error(`${e.field}: ${e.message}`);
 *   } else if (err instanceof BzCtrlError && err.status === 429) {
 *     console.error(`Throttled; try again in ${err.retryAfter ?? 60} seconds`);
 *   } else throw err;
 * }
 */
export class BzCtrlError extends Error {
  override readonly name = 'BzCtrlError';

  constructor(
    /** The HTTP status (0 when no answer came back at all). */
    readonly status: number,
    /** The server's error code (`validation_failed`, `not_found`, `invalid_grant`…). */
    readonly code: string,
    /** What went wrong, in a sentence meant for people. */
    readonly detail: string,
    /** Field-level problems of a `validation_failed` answer; empty otherwise. */
    readonly errors: FieldError[] = [],
    /** The request id the server logged the call under (`X-Request-Id`). */
    readonly requestId: string | undefined = undefined,
    /**
     * How many seconds the server asked the caller to wait (`Retry-After`, rounded up), as
     * on a throttled sign-in's 429; undefined when it did not say.
     */
    readonly retryAfter: number | undefined = undefined,
  ) {
    super(detail);
  }

  /**
   * Builds the error from a non-2xx response; the body may be problem details, an OAuth
   * error or anything a proxy in between answered.
   */
  static async fromResponse(response: Response): Promise<BzCtrlError> {
    const text = await response.text().catch(() => '');
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      /* not JSON: described by the status below */
    }
    return BzCtrlError.fromBody(response, body);
  }

  /**
   * Builds the error from a non-2xx response whose body was already read (openapi-fetch's
   * `error`, for calls made through `raw`).
   */
  static fromBody(response: Response, parsed: unknown): BzCtrlError {
    const body: Record<string, unknown> =
      parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const code = str(body.code) ?? str(body.error) ?? `http_${response.status}`;
    const detail =
      str(body.detail) ??
      str(body.error_description) ??
      str(body.title) ??
      `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const errors = Array.isArray(body.errors)
      ? body.errors.filter(
          (e): e is FieldError => typeof e?.field === 'string' && typeof e?.message === 'string',
        )
      : [];
    const requestId = str(body.requestId) ?? response.headers.get('x-request-id') ?? undefined;
    const waitMs = retryAfterMs(response.headers.get('retry-after'));
    const retryAfter = waitMs === undefined ? undefined : Math.ceil(waitMs / 1000);
    return new BzCtrlError(response.status, code, detail, errors, requestId, retryAfter);
  }
}

/** How long the server asked us to wait (`Retry-After`: seconds or an HTTP date), in ms. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A failed fetch told in one line: the error and, when there is one, its cause (ECONNREFUSED…). */
export function describeFailure(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
