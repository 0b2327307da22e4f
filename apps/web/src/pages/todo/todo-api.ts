import { newIdempotencyKey, type UpdateTodoBody, type Versioned } from '@bzctrl/sdk';
import { API, BzCtrlError, bz, call } from '../../api.ts';

export type { Versioned } from '@bzctrl/sdk';

/** A todo with its ETag, so a change can refuse to overwrite another's. */
export function loadTodo(key: string): Promise<Versioned> {
  return call((client) => client.todos.getWithETag(key));
}

/**
 * Changes some fields (JSON merge patch) with If-Match, so a change made by someone else
 * since the page read the todo answers 412 instead of being overwritten.
 */
export function patchTodo(
  key: string,
  etag: string | undefined,
  patch: UpdateTodoBody,
): Promise<Versioned> {
  return call((client) => client.todos.updateIfMatch(key, etag, patch));
}

/** Where the browser downloads an attachment; the session cookie authenticates the GET. */
export function attachmentUrl(key: string, id: number): string {
  return `${API}/todos/${encodeURIComponent(key)}/attachments/${id}`;
}

/** A stored upload, as `POST /uploads` answers it. */
export interface UploadRef {
  ref: string;
  name: string;
  size: number;
}

/**
 * The largest file the server takes unless its operator changed `BZCTRL_UPLOAD_LIMIT`
 * (docs/attachments.md). The server does not publish its limit, so the page checks
 * against the default; a server with a smaller one still answers 413, which is shown.
 */
export const UPLOAD_LIMIT_BYTES = 25 * 1024 * 1024;

/** Why `file` is not sent at all, said in megabytes; undefined when it may be uploaded. */
export function uploadRefusal(file: File, limit = UPLOAD_LIMIT_BYTES): string | undefined {
  if (file.size <= limit) return undefined;
  const mb = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  // "(25 MB)" beside "larger than 25 MB" would read as a contradiction.
  const size = mb(file.size) === mb(limit) ? '' : ` (${mb(file.size)})`;
  return `it is larger than ${mb(limit)}, the largest file BzCtrl accepts${size}`;
}

/**
 * Uploads one file with progress. XMLHttpRequest, not fetch: only it reports upload
 * progress. The session cookie goes along; the CSRF token and an Idempotency-Key are set
 * here as the SDK would.
 */
export function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<UploadRef> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API}/uploads`);
    xhr.responseType = 'text';
    const csrf = bz.session.csrfToken();
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.setRequestHeader('Idempotency-Key', newIdempotencyKey());
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        onProgress(1);
        resolve(body as UploadRef);
        return;
      }
      const response = new Response(null, { status: xhr.status, statusText: xhr.statusText });
      reject(BzCtrlError.fromBody(response, body));
    };
    xhr.onerror = () => reject(new BzCtrlError(0, 'network_error', 'The upload failed'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
