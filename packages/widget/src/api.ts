export interface CreatedDetail {
  key: string;
  taskLink: string;
}

export interface ErrorDetail {
  /** HTTP status; 0 when BzCtrl could not be reached or the browser refused the answer (CORS). */
  status: number;
  code: string;
  message: string;
  errors: { field: string; message: string }[];
}

/** An answer: the HTTP status (0 when there was none) and the JSON body, if any. */
export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the server, read field by field
  data: any;
}

export type TokenProvider = () => string | Promise<string>;

/**
 * One call to BzCtrl. No cookies ever: the endpoint UUID or the Bearer token is the
 * credential. A 401 in token mode is tried once more with a fresh token.
 */
export async function callBzCtrl(
  method: string,
  url: string,
  provider: TokenProvider | null,
  body?: string,
  key?: string,
): Promise<Answer> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers['Idempotency-Key'] = key;
  const send = async () => {
    if (provider) headers.Authorization = `Bearer ${await provider()}`;
    const res = await fetch(url, { method, headers, body, credentials: 'omit', mode: 'cors' });
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    return { status: res.status, data };
  };
  try {
    const first = await send();
    // A token that expired between the provider's call and ours: one fresh try.
    return first.status === 401 && provider ? await send() : first;
  } catch {
    return { status: 0, data: undefined };
  }
}
