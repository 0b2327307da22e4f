// The API console's pure logic: the workspace it starts with, the example body, reading
// the body typed, the requests as curl, and what the token endpoint's refusals and the
// add-task answer mean.

/** The workspace the console shows: the URL's if it is the caller's, else the default, else the first. */
export function chooseWorkspace(
  items: { key: string; default: boolean }[],
  wanted: string | null,
): string {
  return (
    items.find((w) => w.key === wanted)?.key ??
    items.find((w) => w.default)?.key ??
    items[0]?.key ??
    ''
  );
}

/** Seed 000's add-task body for a workspace, with the signed-in user as reporter. */
export function exampleBody(workspace: string, email: string): string {
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

/** The body typed, read as JSON: the value to send, or the problem that stops it. */
export function readBody(text: string): { parsed: unknown; problem?: string } {
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { parsed, problem: 'The body must be a JSON object.' };
    }
    return { parsed };
  } catch (err) {
    return { parsed: undefined, problem: `This is not valid JSON: ${(err as Error).message}` };
  }
}

/** A value in single quotes for a POSIX shell. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The add-task URL; a dry run unless the todo is really to be created. */
export function addTaskUrl(origin: string, path: string, really: boolean): string {
  return `${origin}${path}${really ? '' : '?dryRun=true'}`;
}

/**
 * The add-task request as curl, its body on one line; a body that is not JSON goes as
 * typed, so the curl shows what would be sent.
 */
export function addTaskCurl(url: string, token: string, body: string): string {
  const { parsed, problem } = readBody(body);
  const compact = problem ? body : JSON.stringify(parsed);
  return [
    `curl -s -X POST ${shellQuote(url)}`,
    `  -H ${shellQuote(`Authorization: Bearer ${token}`)}`,
    `  -H 'Content-Type: application/json'`,
    `  -d ${shellQuote(compact)}`,
  ].join(' \\\n');
}

/** The token request (password grant) as curl, the password left for the user to fill in. */
export function tokenCurl(tokenUrl: string, email: string): string {
  return [
    `curl -s -X POST ${shellQuote(tokenUrl)}`,
    `  -d grant_type=password`,
    `  --data-urlencode ${shellQuote(`username=${email}`)}`,
    `  --data-urlencode 'password=<your password>'`,
  ].join(' \\\n');
}

/** A token's first characters and a mask: enough to tell tokens apart, not to use one. */
export function mask(token: string): string {
  return `${token.slice(0, 6)}${'•'.repeat(12)}`;
}

/**
 * What the token endpoint's refusals mean for someone asking for their own token, by the
 * OAuth error code; undefined for any other failure.
 */
export function tokenRefusal(code: string | undefined, detail: string): string | undefined {
  switch (code) {
    case 'unsupported_grant_type':
      return 'The password grant is turned off on this server, so you cannot get a token with your password here. Ask an administrator for an API client (client ID and secret) instead.';
    case 'invalid_client':
      return 'This server only gives tokens to registered API clients (client authentication is required). Ask an administrator for an API client.';
    case 'invalid_grant':
      return 'That password is not right.';
    case 'invalid_request':
      return detail;
    default:
      return undefined;
  }
}

export interface Reply {
  status: number;
  statusText: string;
  body: unknown;
  dryRun: boolean;
}

/** What an add-task answer means, in words. */
export function replyText(reply: Reply): string {
  if (reply.status >= 300) return 'Refused; the answer names the fields to fix.';
  if (reply.dryRun) return 'Dry run: the request is valid; nothing was stored.';
  return reply.status === 201
    ? 'Created.'
    : 'A todo with this externalRef already exists; here it is.';
}

/** The key of the todo an answer created or found, to open it; none for a dry run or a refusal. */
export function replyKey(reply: Reply | undefined): string | undefined {
  if (!reply || reply.dryRun || reply.status >= 300) return undefined;
  const key = (reply.body as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' ? key : undefined;
}
