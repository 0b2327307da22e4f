/** One closed set of error codes; each maps to one HTTP status and one title. */
export const errorCodes = {
  validation_failed: { status: 400, title: 'The request has invalid fields' },
  bad_request: { status: 400, title: 'The request could not be understood' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'Not allowed' },
  not_found: { status: 404, title: 'Not found' },
  workspace_not_found: { status: 404, title: 'Workspace not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  request_timeout: { status: 408, title: 'The request body did not arrive in time' },
  conflict: { status: 409, title: 'Conflict' },
  gone: { status: 410, title: 'Gone' },
  precondition_failed: { status: 412, title: 'The resource has changed since you read it' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  idempotency_key_reused: {
    status: 422,
    title: 'The Idempotency-Key was already used for a different request',
  },
  too_many_requests: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface FieldError {
  field: string;
  message: string;
}

/** A domain error: services throw it, each dialect's adapter renders it its own way. */
export class AppError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.status = errorCodes[code].status;
    this.title = errorCodes[code].title;
  }
}

/** Field errors collected while checking input, thrown together once checking ends. */
export class FieldErrors {
  readonly list: FieldError[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw validationError(this.list);
  }
}

export function validationError(
  errors: FieldError[],
  code: 'validation_failed' | 'workspace_not_found' = 'validation_failed',
): AppError {
  const detail =
    errors.length === 1
      ? `${errors[0]?.field}: ${errors[0]?.message}`
      : `${errors.length} fields are invalid: ${errors.map((e) => e.field).join(', ')}`;
  return new AppError(code, detail, errors);
}
