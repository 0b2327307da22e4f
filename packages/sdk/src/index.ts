import createClient, { type Client } from 'openapi-fetch';
import { BzCtrlError } from './errors.ts';
import type { components, paths } from './schema.d.ts';
import { type SessionInfo, SessionSigner, TokenManager, type TokenSet } from './tokens.ts';
import { authorizedFetch, type RetryPolicy, type SendOptions } from './transport.ts';
import { webhooksApi } from './webhooks.ts';

export { BzCtrlError, type FieldError } from './errors.ts';
export type { components, paths } from './schema.d.ts';
export type { SessionInfo, TokenSet } from './tokens.ts';
export { newIdempotencyKey } from './transport.ts';
export {
  type CreateWebhookBody,
  type ListDeliveriesQuery,
  type UpdateWebhookBody,
  verifyWebhook,
  type WebhookDelivery,
  type WebhookEvent,
  type WebhookHeaders,
  type WebhookSubscription,
  WebhookVerificationError,
  type WebhookWithSecret,
} from './webhooks.ts';

const API = '/bzctrl-core-api/api/v1';

// The request and answer types are the generated schema's, so they follow the server.
type Schemas = components['schemas'];
type TodosPath = paths['/bzctrl-core-api/api/v1/todos'];
type TodoPath = paths['/bzctrl-core-api/api/v1/todos/{ref}'];

/** A todo as the API returns it. */
export type Todo = Schemas['Todo'];
/** What a create with `dryRun` answers: the todo as it would be, without key or id. */
export type TodoPreview = Schemas['TodoPreview'];
export type TodoList = Schemas['TodoList'];
export type Comment = Schemas['Comment'];
export type TodoHistory = Schemas['TodoHistory'];
/** A shared link as made: the URL to hand out and when it stops working. */
export type SharedLink = Schemas['SharedLink'];
/** A todo as a shared link shows it, read-only, to anyone holding the link. */
export type SharedTodo = Schemas['SharedTodo'];
export type CreateTodoBody = TodosPath['post']['requestBody']['content']['application/json'];
export type UpdateTodoBody = TodoPath['patch']['requestBody']['content']['application/json'];
export type ListTodosQuery = NonNullable<TodosPath['get']['parameters']['query']>;
/** An event of the change feed and the webhooks (SPEC §8). */
export type TodoEvent = Schemas['Event'];
export type EventsQuery = NonNullable<
  paths['/bzctrl-core-api/api/v1/events']['get']['parameters']['query']
>;
/** One page of the change feed; `next` is where the following page starts. */
export interface EventPage {
  items: TodoEvent[];
  next: string;
}

/** `events.poll`: where to start and what to do with each new cursor. */
export interface PollOptions extends Omit<EventsQuery, 'after'> {
  /** A cursor stored earlier (`next` of a page); without it, from the oldest event kept. */
  after?: string;
  /** Called with the cursor after each page's events were handed out: store it to resume. */
  onCursor?: (cursor: string) => void | Promise<void>;
  /** Ends the polling (the iterator then returns). */
  signal?: AbortSignal;
}

/** A todo with the `ETag` it was read or written under (for `If-Match`). */
export interface Versioned {
  todo: Todo;
  etag: string | undefined;
}

/** `todos.create`: a stored todo, or with `dryRun` the preview of one. */
export interface CreateTodo {
  (body: CreateTodoBody, options?: { dryRun?: false }): Promise<Todo>;
  (body: CreateTodoBody, options: { dryRun: true }): Promise<TodoPreview>;
  (body: CreateTodoBody, options?: { dryRun?: boolean }): Promise<Todo | TodoPreview>;
}

export interface BzCtrlClientOptions {
  /** Where BzCtrl runs, e.g. `https://bzctrl.example.com` (no trailing path). */
  baseUrl: string;
  /** An API client's id and secret: the client-credentials grant, or client auth for the others. */
  clientId?: string;
  clientSecret?: string;
  /** A user's e-mail and password: the password grant. */
  username?: string;
  password?: string;
  /** Tokens from an earlier sign-in (for example stored by the CLI). */
  accessToken?: string;
  refreshToken?: string;
  /** When `accessToken` expires, in ms since the epoch; unknown means "until a 401". */
  accessTokenExpiresAt?: number;
  /** Called whenever new tokens arrive (refresh tokens rotate: store the latest). */
  onTokens?: (tokens: TokenSet) => void;
  /**
   * In a browser (the web app): sign in with `session.signIn` instead of a grant; the
   * cookie travels by itself and writes carry the session's CSRF token.
   */
  session?: boolean;
  /** A fetch to use instead of the global one (proxies, tests). */
  fetch?: typeof fetch;
  /**
   * Retries on network errors, 429 and 503; 3 by default, 0 to turn off. A sign-in's 429
   * (the sign-in throttle) is never retried: it throws at once with `retryAfter`.
   */
  retries?: number;
  /** Back-off tuning; the defaults suit most callers. */
  retryPolicy?: Partial<Omit<RetryPolicy, 'retries'>>;
}

/**
 * A typed BzCtrl client. It signs in (password or client-credentials grant), renews the
 * access token before it expires and once on a 401, sends an `Idempotency-Key` with every
 * POST, PUT and PATCH (the same key on each retry), retries network errors and 429/503
 * with back-off (honouring `Retry-After`) and never other 4xx nor a throttled sign-in,
 * and throws {@link BzCtrlError} for error answers (with `retryAfter` on a 429).
 *
 * @example
 * const bz = new BzCtrlClient({
 *   baseUrl: 'http://127.0.0.1:8080',
 *   clientId: 'erp',
 *   clientSecret: process.env.BZCTRL_CLIENT_SECRET,
 * });
 * const todo = await bz.todos.create({
 *   workspace: 'IMP-NLD-EXA-SWA',
 *   todoType: 'TASK',
 *   title: 'Check container MSCU1234567',
 *   description: 'Seal number differs from the manifest',
 *   reporter: 'example@example.com',
 * });
 * console.log(todo.key, todo.taskLink);
 */
export class BzCtrlClient {
  /** The openapi-fetch client over the whole API, for whatever has no method here. */
  readonly raw: Client<paths>;
  private readonly tokenManager: TokenManager;
  private readonly sessionSigner: SessionSigner | undefined;
  private readonly send: (request: Request, options?: SendOptions) => Promise<Response>;
  /** The same transport without credentials, for what needs none (a shared link). */
  private readonly sendAnonymous: (request: Request, options?: SendOptions) => Promise<Response>;
  private readonly baseUrl: string;

  constructor(options: BzCtrlClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const fetchFn = options.fetch ?? globalThis.fetch;
    const initial = options.accessToken
      ? {
          accessToken: options.accessToken,
          refreshToken: options.refreshToken,
          expiresAt: options.accessTokenExpiresAt,
        }
      : options.refreshToken
        ? // Only a refresh token: expired at once, so the first call refreshes.
          { accessToken: '', refreshToken: options.refreshToken, expiresAt: 0 }
        : undefined;
    this.tokenManager = new TokenManager(
      this.baseUrl,
      options,
      (input, init) => fetchFn(input, init),
      initial,
      options.onTokens,
    );
    this.sessionSigner = options.session ? new SessionSigner() : undefined;
    const policy = {
      retries: options.retries ?? 3,
      baseDelayMs: options.retryPolicy?.baseDelayMs ?? 250,
      maxDelayMs: options.retryPolicy?.maxDelayMs ?? 30_000,
    };
    this.send = authorizedFetch(this.sessionSigner ?? this.tokenManager, policy, (input, init) =>
      fetchFn(input, init),
    );
    this.sendAnonymous = authorizedFetch(ANONYMOUS, policy, (input, init) => fetchFn(input, init));
    this.raw = createClient<paths>({ baseUrl: this.baseUrl, fetch: this.send });
  }

  /** The tokens held now (after a sign-in or a refresh), to store for a later session. */
  get tokens(): TokenSet | undefined {
    return this.tokenManager.current;
  }

  /**
   * Signs in now rather than on the first call, so bad credentials show at once.
   *
   * @example
   * const bz = new BzCtrlClient({ baseUrl, username: 'me@example.com', password });
   * const { refreshToken } = await bz.signIn();
   */
  async signIn(): Promise<TokenSet> {
    await this.tokenManager.renew();
    return this.tokenManager.current as TokenSet;
  }

  /** Browser sessions (`session: true`): sign in, who is signed in, sign out. */
  readonly session = {
    /**
     * Signs in with a user's e-mail and password; the server sets the session cookie.
     * After too many failures it throws at once (no retry) a 429 whose `retryAfter` says
     * how many seconds the account stays throttled.
     *
     * @example
     * const { user } = await bz.session.signIn('me@example.com', password);
     */
    signIn: async (username: string, password: string): Promise<SessionInfo> =>
      this.remember(
        await this.call('POST', `${API}/session`, {
          body: { username, password },
          send: { retryTooManyRequests: false },
        }),
      ),

    /** The signed-in user (throws a 401 `BzCtrlError` when there is none). */
    current: async (): Promise<SessionInfo> =>
      this.remember(await this.call('GET', `${API}/session`)),

    /**
     * The signed-in user, or undefined when no one is signed in: no 401 (a page's first
     * look, where a browser would log the 401 as an error).
     *
     * @example
     * const session = await bz.session.find();
     * if (!session) showSignIn();
     */
    find: async (): Promise<SessionInfo | undefined> => {
      const info = await this.call<SessionInfo | undefined>('GET', `${API}/session`, {
        query: { optional: true },
      });
      return info && this.remember(info);
    },

    /** Ends the session on the server and forgets its CSRF token. */
    signOut: async (): Promise<void> => {
      await this.call('DELETE', `${API}/session`);
      this.sessionSigner?.invalidate();
    },

    /** The CSRF token writes carry (for requests made outside this client, e.g. uploads). */
    csrfToken: (): string | undefined => this.sessionSigner?.csrfToken,
  };

  /** The change feed (`/bzctrl-core-api/api/v1/events`). */
  readonly events = {
    /**
     * One page of events after `after`, oldest first; with `wait`, an empty page waits up
     * to that many seconds for an event.
     *
     * @example
     * const page = await bz.events.list({ after: stored, limit: 100 });
     * for (const event of page.items) console.log(event.type, event.todo.key);
     * stored = page.next;
     */
    list: (query: EventsQuery = {}): Promise<EventPage> =>
      this.call('GET', `${API}/events`, { query: query as QueryValues }),

    /**
     * Every event from `after` on, as it happens: long-polls the feed page after page and
     * never ends until `signal` aborts. `onCursor` gets the cursor after each page, so a
     * restarted program resumes where it stopped (a page may come again after a crash:
     * delivery is at least once).
     *
     * @example
     * for await (const event of bz.events.poll({ after: await load(), onCursor: save })) {
     *   if (event.type === 'todo.status_changed') await updateErp(event.todo.key, event.todo.status);
     * }
     */
    poll: (options: PollOptions = {}): AsyncIterableIterator<TodoEvent> => this.polling(options),
  };

  private async *polling(options: PollOptions): AsyncIterableIterator<TodoEvent> {
    const { onCursor, signal, ...query } = options;
    let after = query.after;
    while (!signal?.aborted) {
      let page: EventPage;
      try {
        page = (
          await this.exchange<EventPage>('GET', `${API}/events`, {
            query: { ...query, after, wait: query.wait ?? 25 } as QueryValues,
            signal,
          })
        ).body;
      } catch (err) {
        if (signal?.aborted) return;
        throw err;
      }
      yield* page.items;
      after = page.next;
      await onCursor?.(after);
    }
  }

  private remember(info: SessionInfo): SessionInfo {
    if (this.sessionSigner) this.sessionSigner.csrfToken = info.csrfToken;
    return info;
  }

  /** The native todo API (`/bzctrl-core-api/api/v1/todos`). */
  readonly todos = {
    /**
     * Creates a todo; with `dryRun` the server checks it and answers what it would
     * create, storing nothing.
     *
     * @example
     * const todo = await bz.todos.create(
     *   { workspace: 'IMP-NLD-EXA-SWA', todoType: 'INCIDENT', title: 'Seal broken',
     *     description: 'Found at gate 3', reporter: 'example@example.com', priority: 'HIGH',
     *     externalRef: { system: 'wms', id: 'SHP-981' } },
     * );
     */
    create: ((body: CreateTodoBody, options: { dryRun?: boolean } = {}) =>
      this.call('POST', `${API}/todos`, {
        body,
        query: options.dryRun ? { dryRun: true } : undefined,
      })) as CreateTodo,

    /**
     * Reads one todo by key or numeric id.
     *
     * @example
     * const todo = await bz.todos.get('IMP-NLD-EXA-SWA-03');
     */
    get: (ref: string | number): Promise<Todo> => this.call('GET', todoPath(ref)),

    /**
     * Reads a todo with its `ETag`, to change it later only if nobody else did
     * (`update(ref, patch, { ifMatch: etag })`).
     *
     * @example
     * const { todo, etag } = await bz.todos.getWithETag('IMP-NLD-EXA-SWA-03');
     */
    getWithETag: async (ref: string | number): Promise<Versioned> => {
      const { body, response } = await this.exchange<Todo>('GET', todoPath(ref));
      return { todo: body, etag: response.headers.get('etag') ?? undefined };
    },

    /**
     * One page of todos matching the filters; `nextCursor` fetches the next page.
     *
     * @example
     * const page = await bz.todos.list({ workspace: 'IMP-NLD-EXA-SWA', status: 'TODO', limit: 50 });
     * const next = page.nextCursor ? await bz.todos.list({ cursor: page.nextCursor }) : undefined;
     */
    list: (query: ListTodosQuery = {}): Promise<TodoList> =>
      this.call('GET', `${API}/todos`, { query: query as QueryValues }),

    /**
     * Every todo matching the filters, page after page.
     *
     * @example
     * for await (const todo of bz.todos.all({ status: 'INPROGRESS' })) console.log(todo.key);
     */
    all: (query: ListTodosQuery = {}): AsyncIterableIterator<Todo> => this.pages(query),

    /**
     * Changes the given fields of a todo (JSON merge patch); answers the todo after.
     *
     * @example
     * await bz.todos.update('IMP-NLD-EXA-SWA-03', { status: 'DONE' });
     */
    update: (ref: string | number, patch: UpdateTodoBody): Promise<Todo> =>
      this.call('PATCH', todoPath(ref), { body: patch }),

    /**
     * `update` that refuses (a `BzCtrlError` with status 412) when the todo changed since
     * `etag` was read; answers the todo after with its new ETag.
     *
     * @example
     * const { todo, etag } = await bz.todos.getWithETag(key);
     * await bz.todos.updateIfMatch(key, etag, { status: 'DONE' });
     */
    updateIfMatch: async (
      ref: string | number,
      etag: string | undefined,
      patch: UpdateTodoBody,
    ): Promise<Versioned> => {
      const { body, response } = await this.exchange<Todo>('PATCH', todoPath(ref), {
        body: patch,
        headers: etag ? { 'if-match': etag } : {},
      });
      return { todo: body, etag: response.headers.get('etag') ?? undefined };
    },

    /**
     * Deletes a todo.
     *
     * @example
     * await bz.todos.delete('IMP-NLD-EXA-SWA-03');
     */
    delete: (ref: string | number): Promise<void> => this.call('DELETE', todoPath(ref)),

    /**
     * Adds a comment to a todo (watchers are told by e-mail).
     *
     * @example
     * await bz.todos.comment('IMP-NLD-EXA-SWA-03', 'Customs released the container');
     */
    comment: (ref: string | number, body: string): Promise<Comment> =>
      this.call('POST', `${todoPath(ref)}/comments`, { body: { body } }),

    /**
     * Every change of a todo, oldest first, with who or which system made it.
     *
     * @example
     * const { items } = await bz.todos.history('IMP-NLD-EXA-SWA-03');
     */
    history: (ref: string | number): Promise<TodoHistory> =>
      this.call('GET', `${todoPath(ref)}/history`),
  };

  /**
   * Shared links (SPEC §8): a signed URL that shows one todo read-only, without signing
   * in, until it expires (at most a day) or is revoked.
   */
  readonly links = {
    /**
     * Makes a link to a todo the caller may read; `expiresIn` is in seconds (1 to 86400,
     * 900 by default). The URL is a credential: hand it only to whom may see the todo.
     *
     * @example
     * const { url, expiresAt } = await bz.links.create('IMP-NLD-EXA-SWA-03', { expiresIn: 3600 });
     */
    create: (ref: string | number, options: { expiresIn?: number } = {}): Promise<SharedLink> =>
      this.call('POST', `${todoPath(ref)}/links`, { body: options }),

    /**
     * Revokes every link made so far to a todo, at once, on every server process.
     *
     * @example
     * await bz.links.revoke('IMP-NLD-EXA-SWA-03');
     */
    revoke: (ref: string | number): Promise<void> => this.call('DELETE', `${todoPath(ref)}/links`),

    /**
     * Reads the todo of a link, as its page does: the token is what follows `#/shared/`
     * in the URL. Needs no sign-in; an unknown, expired or revoked link throws a 404.
     *
     * @example
     * const todo = await bz.links.read(new URL(url).hash.replace('#/shared/', ''));
     */
    read: (token: string): Promise<SharedTodo> =>
      this.call('GET', `${API}/shared/${encodeURIComponent(token)}`, { anonymous: true }),
  };
  /** Webhook subscriptions and their delivery log (`/bzctrl-core-api/api/v1/webhooks`). */
  readonly webhooks = webhooksApi((method, path, options) =>
    this.call(method, path, options as { body?: unknown; query?: QueryValues }),
  );

  private async *pages(query: ListTodosQuery): AsyncIterableIterator<Todo> {
    let cursor: string | null | undefined;
    do {
      const page = (await this.todos.list(cursor ? { ...query, cursor } : query)) as unknown as {
        items: Todo[];
        nextCursor?: string | null;
      };
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** One call through the signed, retrying transport; an error answer throws. */
  private async call<T>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      query?: QueryValues | undefined;
      anonymous?: boolean;
      send?: SendOptions;
    } = {},
  ): Promise<T> {
    return (await this.exchange<T>(method, path, options)).body;
  }

  /** `call`, also handing back the response (for its headers). */
  private async exchange<T>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      query?: QueryValues | undefined;
      headers?: Record<string, string>;
      signal?: AbortSignal;
      /** Sent without a token or session: nothing signs in for it. */
      anonymous?: boolean;
      /** What the transport may do beyond sending (a sign-in's 429 is not retried). */
      send?: SendOptions;
    } = {},
  ): Promise<{ body: T; response: Response }> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value === undefined || value === null) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, `${v}`);
    }
    const request = new Request(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
    const response = await (options.anonymous ? this.sendAnonymous : this.send)(
      request,
      options.send,
    );
    if (!response.ok) throw await BzCtrlError.fromResponse(response);
    if (response.status === 204) return { body: undefined as T, response };
    return { body: (await response.json()) as T, response };
  }
}

/** Signs nothing: for calls whose URL is the credential. */
const ANONYMOUS = { canRenew: false, sign: async () => '', invalidate: () => undefined };

type QueryValues = Record<string, string | number | boolean | null | undefined | unknown[]>;

function todoPath(ref: string | number): string {
  return `${API}/todos/${encodeURIComponent(String(ref))}`;
}
