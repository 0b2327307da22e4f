import { BzCtrlClient, BzCtrlError, type TokenSet } from '@bzctrl/sdk';
import { useEffect, useState } from 'react';
import { API, describeError, raw } from '../../api.ts';
import { href, navigate, todoHref } from '../../router.ts';
import { useSession } from '../../session.tsx';
import { CopyButton, ErrorNote, Field, Loading, PageHeader } from '../../ui/components.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import './console.css';

const TOKEN_PATH = '/bzctrl-core-api/oauth/token';
const ADD_TASK_PATH = `${API}/task/add-task`;

/** Seed 000's add-task body for a workspace, with the signed-in user as reporter. */
function exampleBody(workspace: string, email: string): string {
  return JSON.stringify(
    {
      todoType: 'INCIDENT',
      domainWorkSpace: workspace,
      title: 'Potential Customs claim',
      description: 'Operation started without proper approvals',
      financialImpact: '1250.00',
      impact: 'High',
      likelihood: 'Medium',
      status: 'In Progress',
      priority: 'High',
      assignee: email,
      reporter: email,
      category: '',
      orderID: 'SO-777',
    },
    null,
    2,
  );
}

/** A value in single quotes for a POSIX shell. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** What the token endpoint's refusals mean for someone asking for their own token. */
function tokenProblem(err: unknown): string {
  if (err instanceof BzCtrlError) {
    if (err.code === 'unsupported_grant_type') {
      return 'The password grant is turned off on this server, so you cannot get a token with your password here. Ask an administrator for an API client (client ID and secret) instead.';
    }
    if (err.code === 'invalid_client') {
      return 'This server only gives tokens to registered API clients (client authentication is required). Ask an administrator for an API client.';
    }
    if (err.code === 'invalid_grant') return 'That password is not right.';
    if (err.code === 'invalid_request') return err.detail;
  }
  return describeError(err);
}

interface Reply {
  status: number;
  statusText: string;
  body: unknown;
  dryRun: boolean;
}

/**
 * The API console (seed 000's "API auth" screen): get a token for yourself with the password
 * grant, see the add-task request for a workspace as curl, and try it from the browser.
 */
export default function ApiConsole({ query }: { query: URLSearchParams }) {
  const { session } = useSession();
  const email = session.user.email;
  const origin = window.location.origin;
  const workspaces = useAsync(() => raw((r) => r.GET(`${API}/workspaces`)), []);
  const items = workspaces.data?.items ?? [];
  const workspace =
    items.find((w) => w.key === query.get('workspace'))?.key ??
    items.find((w) => w.default)?.key ??
    items[0]?.key ??
    '';

  const [password, setPassword] = useState('');
  const [tokens, setTokens] = useState<TokenSet>();
  const [tokenError, setTokenError] = useState<string>();
  const [gettingToken, setGettingToken] = useState(false);
  const [reveal, setReveal] = useState(false);

  const [body, setBody] = useState('');
  const [bodyError, setBodyError] = useState<string>();
  const [really, setReally] = useState(false);
  const [sending, setSending] = useState(false);
  const [reply, setReply] = useState<Reply>();
  const [sendError, setSendError] = useState<unknown>();

  // A new workspace starts from the example body for it.
  useEffect(() => {
    if (workspace) setBody(exampleBody(workspace, email));
    setReply(undefined);
  }, [workspace, email]);

  const getToken = async () => {
    setGettingToken(true);
    setTokenError(undefined);
    try {
      // The password grant, as an integrator would use it; not the app's session.
      const client = new BzCtrlClient({ baseUrl: origin, username: email, password, retries: 0 });
      setTokens(await client.signIn());
      setPassword('');
      setReveal(false);
    } catch (err) {
      setTokenError(tokenProblem(err));
    } finally {
      setGettingToken(false);
    }
  };

  let parsed: unknown;
  let parseProblem: string | undefined;
  try {
    parsed = JSON.parse(body || '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      parseProblem = 'The body must be a JSON object.';
    }
  } catch (err) {
    parseProblem = `This is not valid JSON: ${(err as Error).message}`;
  }

  const token = tokens?.accessToken;
  const url = `${origin}${ADD_TASK_PATH}${really ? '' : '?dryRun=true'}`;
  const compact = parseProblem ? body : JSON.stringify(parsed);
  const curlWith = (t: string) =>
    [
      `curl -s -X POST ${shellQuote(url)}`,
      `  -H ${shellQuote(`Authorization: Bearer ${t}`)}`,
      `  -H 'Content-Type: application/json'`,
      `  -d ${shellQuote(compact)}`,
    ].join(' \\\n');
  const curl = curlWith(token ?? '$TOKEN');
  const shownCurl = curlWith(token ? (reveal ? token : mask(token)) : '$TOKEN');
  const tokenCurl = [
    `curl -s -X POST ${shellQuote(`${origin}${TOKEN_PATH}`)}`,
    `  -d grant_type=password`,
    `  --data-urlencode ${shellQuote(`username=${email}`)}`,
    `  --data-urlencode 'password=<your password>'`,
  ].join(' \\\n');

  const send = async () => {
    if (!token) return;
    if (parseProblem) {
      setBodyError(parseProblem);
      return;
    }
    setBodyError(undefined);
    setSending(true);
    setSendError(undefined);
    setReply(undefined);
    try {
      const client = new BzCtrlClient({ baseUrl: origin, accessToken: token, retries: 0 });
      const { data, error, response } = await client.raw.POST(ADD_TASK_PATH, {
        params: { query: really ? {} : { dryRun: true } },
        // The body is the user's to shape (that is the point of trying); the server checks it.
        body: parsed as never,
      });
      setReply({
        status: response.status,
        statusText: response.statusText,
        body: data ?? error,
        dryRun: !really,
      });
    } catch (err) {
      setSendError(err);
    } finally {
      setSending(false);
    }
  };

  const createdKey =
    reply && !reply.dryRun && reply.status < 300
      ? (reply.body as { key?: unknown } | undefined)?.key
      : undefined;

  return (
    <div className="console">
      <PageHeader title="API console" />
      <p className="console-intro">
        Create todos from another system over the BzCtrl REST API: get an access token, copy the
        add-task request for your workspace, and try it here first.
      </p>

      <section className="card console-step" aria-labelledby="console-workspace">
        <h2 id="console-workspace">
          <span className="console-step__number">1</span> Workspace
        </h2>
        {workspaces.status === 'loading' && !workspaces.data ? (
          <Loading />
        ) : workspaces.status === 'error' ? (
          <ErrorNote error={workspaces.error} onRetry={workspaces.reload} />
        ) : items.length === 0 ? (
          <p>You are not a member of any workspace yet; ask an administrator to add you.</p>
        ) : (
          <Field label="Workspace" hint="The todos you create go here (domainWorkSpace).">
            {(p) => (
              <select
                {...p}
                value={workspace}
                onChange={(e) =>
                  navigate(href('/console', { workspace: e.target.value }), { replace: true })
                }
              >
                {items.map((w) => (
                  <option key={w.key} value={w.key}>
                    {w.key} · {w.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </section>

      <section className="card console-step" aria-labelledby="console-token">
        <h2 id="console-token">
          <span className="console-step__number">2</span> Get a token for yourself
        </h2>
        <p className="console-muted">
          The OAuth token endpoint (<code>POST {TOKEN_PATH}</code>) gives an access token for{' '}
          <strong>{email}</strong> with the password grant. Re-enter your password to get one.
        </p>
        <form
          className="console-inline"
          onSubmit={(e) => {
            e.preventDefault();
            void getToken();
          }}
        >
          <Field label="Your password" required error={tokenError}>
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="button" disabled={gettingToken || !password}>
            {gettingToken ? 'Getting a token…' : 'Get token'}
          </button>
        </form>
        {tokens && (
          <div className="console-token" aria-live="polite">
            <Field label="Access token">
              {(p) => (
                <input
                  {...p}
                  className="console-mono"
                  type={reveal ? 'text' : 'password'}
                  readOnly
                  value={tokens.accessToken}
                />
              )}
            </Field>
            <div className="console-token__actions">
              <button
                type="button"
                className="button button--secondary"
                aria-pressed={reveal}
                onClick={() => setReveal(!reveal)}
              >
                {reveal ? 'Hide token' : 'Show token'}
              </button>
              <CopyButton value={tokens.accessToken} label="Copy token" />
            </div>
            <p className="console-muted">
              {tokens.expiresAt
                ? `Valid until ${formatDateTime(new Date(tokens.expiresAt).toISOString())}.`
                : 'Valid until it is revoked.'}{' '}
              Send it as <code>Authorization: Bearer …</code>. Anyone holding it acts as you: do not
              share it.
            </p>
          </div>
        )}
        <details className="console-details">
          <summary>The token request as curl</summary>
          <pre>{tokenCurl}</pre>
        </details>
      </section>

      <section className="card console-step" aria-labelledby="console-request">
        <h2 id="console-request">
          <span className="console-step__number">3</span> Create a todo (add-task)
        </h2>
        <Field
          label="Request body (JSON)"
          error={bodyError}
          hint="The seed's add-task body; change any field. Enum values are forgiving (High, In Progress)."
        >
          {(p) => (
            <textarea
              {...p}
              className="console-mono console-body"
              spellCheck={false}
              value={body}
              onChange={(e) => {
                setBody(e.target.value);
                setBodyError(undefined);
              }}
            />
          )}
        </Field>
        <section className="console-curl" aria-labelledby="console-curl-title">
          <div className="console-curl__head">
            <h3 id="console-curl-title">The request as curl</h3>
            <CopyButton value={curl} label="Copy curl" />
          </div>
          <pre>{shownCurl}</pre>
          {!token && (
            <p className="console-muted">
              Get a token above to fill it in, or set <code>TOKEN</code> in your shell.
            </p>
          )}
        </section>

        <h3>Try it</h3>
        <label className="console-check">
          <input type="checkbox" checked={really} onChange={(e) => setReally(e.target.checked)} />{' '}
          Really create the todo (otherwise a dry run: checked, nothing stored)
        </label>
        <div className="console-inline">
          <button
            type="button"
            className="button"
            disabled={!token || sending}
            onClick={() => void send()}
          >
            {sending ? 'Sending…' : really ? 'Send request' : 'Send request (dry run)'}
          </button>
          {!token && <span className="console-muted">Get a token first (step 2).</span>}
        </div>
        {sendError !== undefined && <ErrorNote error={sendError} />}
        {reply && (
          <div className="console-reply" aria-live="polite">
            <p className="console-reply__status">
              <span
                className={`console-status console-status--${reply.status < 300 ? 'ok' : 'error'}`}
              >
                {reply.status} {reply.statusText}
              </span>{' '}
              {reply.status < 300
                ? reply.dryRun
                  ? 'Dry run: the request is valid; nothing was stored.'
                  : reply.status === 201
                    ? 'Created.'
                    : 'A todo with this externalRef already exists; here it is.'
                : 'Refused; the answer names the fields to fix.'}
              {typeof createdKey === 'string' && (
                <>
                  {' '}
                  <a href={todoHref(createdKey)}>Open {createdKey}</a>
                </>
              )}
            </p>
            <pre>{JSON.stringify(reply.body, null, 2)}</pre>
          </div>
        )}
      </section>
    </div>
  );
}

/** A token's first characters and a mask: enough to tell tokens apart, not to use one. */
function mask(token: string): string {
  return `${token.slice(0, 6)}${'•'.repeat(12)}`;
}
