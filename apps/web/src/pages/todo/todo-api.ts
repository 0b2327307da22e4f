import { newIdempotencyKey, type Todo, type UpdateTodoBody } from '@bzctrl/sdk';
import { API, BzCtrlError, bz, call } from '../../api.ts';

/** A todo with the ETag it was read under, so a change can refuse to overwrite another's. */
export interface Versioned {
  todo: Todo;
  etag: string | undefined;
}

const TODO_PATH = '/bzctrl-core-api/api/v1/todos/{ref}' as const;

/**
 * Reads a todo through `raw` rather than `bz.todos.get`: only the raw answer carries the
 * ETag header that a later PATCH sends back as If-Match.
 */
export function loadTodo(key: string): Promise<Versioned> {
  return call(async (client) => {
    const { data, error, response } = await client.raw.GET(TODO_PATH, {
      params: { path: { ref: key } },
    });
    if (!response.ok || error !== undefined || !data) throw BzCtrlError.fromBody(response, error);
    return { todo: data, etag: response.headers.get('ETag') ?? undefined };
  });
}

/**
 * Changes some fields (JSON merge patch) with If-Match, so a change made by someone else
 * since the page read the todo answers 412 instead of being overwritten.
 */
export function patchTodo(key: string, etag: string | undefined, patch: UpdateTodoBody) {
  return call(async (client): Promise<Versioned> => {
    const { data, error, response } = await client.raw.PATCH(TODO_PATH, {
      params: { path: { ref: key }, header: etag ? { 'if-match': etag } : undefined },
      body: patch,
    });
    if (!response.ok || error !== undefined || !data) throw BzCtrlError.fromBody(response, error);
    return { todo: data, etag: response.headers.get('ETag') ?? undefined };
  });
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
