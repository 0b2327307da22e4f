import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  addTaskCurl,
  addTaskUrl,
  chooseWorkspace,
  exampleBody,
  mask,
  readBody,
  replyKey,
  replyText,
  shellQuote,
  tokenCurl,
  tokenRefusal,
} from './console.logic.ts';

const WORKSPACES = [
  { key: 'A', default: false },
  { key: 'B', default: true },
  { key: 'C', default: false },
];

describe('chooseWorkspace', () => {
  it("takes the URL's workspace if it is the caller's, else the default, else the first", () => {
    expect(chooseWorkspace(WORKSPACES, 'C')).toBe('C');
    expect(chooseWorkspace(WORKSPACES, 'NOT-MINE')).toBe('B');
    expect(chooseWorkspace(WORKSPACES, null)).toBe('B');
    expect(chooseWorkspace([{ key: 'A', default: false }], null)).toBe('A');
    expect(chooseWorkspace([], 'A')).toBe('');
  });
});

describe('exampleBody and readBody', () => {
  it("fills the seed's add-task body with the workspace and the user, and reads it back", () => {
    const { parsed, problem } = readBody(exampleBody('IMP-NLD-EXA-SWA', 'ann@example.com'));
    expect(problem).toBeUndefined();
    expect(parsed).toMatchObject({
      todoType: 'INCIDENT',
      domainWorkSpace: 'IMP-NLD-EXA-SWA',
      reporter: 'ann@example.com',
      assignee: 'ann@example.com',
    });
  });

  it('reads an empty body as an empty object', () => {
    expect(readBody('')).toEqual({ parsed: {} });
  });

  it('refuses what is not a JSON object, saying why', () => {
    expect(readBody('[1]').problem).toBe('The body must be a JSON object.');
    expect(readBody('null').problem).toBe('The body must be a JSON object.');
    expect(readBody('"text"').problem).toBe('The body must be a JSON object.');
    expect(readBody('{"title": ').problem).toMatch(/^This is not valid JSON: ./);
  });
});

describe('the requests as curl', () => {
  /** What a POSIX shell makes of a quoted value. */
  const throughShell = (quoted: string) =>
    execFileSync('sh', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' });

  it('quotes any value so that a shell passes it on unchanged', () => {
    for (const value of ["it's", `a "b" $HOME \`x\` \\ !`, '', "''"]) {
      expect(throughShell(shellQuote(value))).toBe(value);
    }
  });

  it('asks for a dry run unless the todo is really to be created', () => {
    expect(addTaskUrl('https://bz.example', '/api/add-task', false)).toBe(
      'https://bz.example/api/add-task?dryRun=true',
    );
    expect(addTaskUrl('https://bz.example', '/api/add-task', true)).toBe(
      'https://bz.example/api/add-task',
    );
  });

  it('sends the body on one line with the bearer token', () => {
    const curl = addTaskCurl('https://bz.example/add', 'T0K', '{\n  "title": "It\'s late"\n}');
    expect(curl.split(' \\\n')).toEqual([
      "curl -s -X POST 'https://bz.example/add'",
      "  -H 'Authorization: Bearer T0K'",
      "  -H 'Content-Type: application/json'",
      `  -d ${shellQuote('{"title":"It\'s late"}')}`,
    ]);
  });

  it('sends a body that is not JSON as typed', () => {
    expect(addTaskCurl('u', '$TOKEN', '{oops').endsWith("-d '{oops'")).toBe(true);
  });

  it('asks for a token with the password grant, leaving the password out', () => {
    const curl = tokenCurl('https://bz.example/oauth/token', 'ann@example.com');
    expect(curl).toContain("--data-urlencode 'username=ann@example.com'");
    expect(curl).toContain('-d grant_type=password');
    expect(curl).toContain("'password=<your password>'");
  });

  it('masks a token, keeping its first characters', () => {
    expect(mask('abcdefghijklmnop')).toBe(`abcdef${'•'.repeat(12)}`);
    expect(mask('abcdefghijklmnop')).not.toContain('ghij');
  });
});

describe('tokenRefusal', () => {
  it("explains the token endpoint's refusals, and leaves other failures to the caller", () => {
    expect(tokenRefusal('unsupported_grant_type', '')).toMatch(/password grant is turned off/);
    expect(tokenRefusal('invalid_client', '')).toMatch(/registered API clients/);
    expect(tokenRefusal('invalid_grant', 'Bad credentials')).toBe('That password is not right.');
    expect(tokenRefusal('invalid_request', 'username is required')).toBe('username is required');
    expect(tokenRefusal('rate_limited', 'Slow down')).toBeUndefined();
    expect(tokenRefusal(undefined, '')).toBeUndefined();
  });
});

describe('the add-task answer', () => {
  const reply = (status: number, dryRun: boolean, body: unknown = { key: 'WS-01' }) => ({
    status,
    statusText: '',
    body,
    dryRun,
  });

  it('says what the answer means', () => {
    expect(replyText(reply(200, true))).toBe('Dry run: the request is valid; nothing was stored.');
    expect(replyText(reply(201, false))).toBe('Created.');
    expect(replyText(reply(200, false))).toBe(
      'A todo with this externalRef already exists; here it is.',
    );
    expect(replyText(reply(400, false))).toBe('Refused; the answer names the fields to fix.');
    expect(replyText(reply(400, true))).toBe('Refused; the answer names the fields to fix.');
  });

  it('offers to open the todo created or found, not after a dry run or a refusal', () => {
    expect(replyKey(reply(201, false))).toBe('WS-01');
    expect(replyKey(reply(200, false))).toBe('WS-01');
    expect(replyKey(reply(200, true))).toBeUndefined();
    expect(replyKey(reply(422, false))).toBeUndefined();
    expect(replyKey(reply(201, false, { key: 7 }))).toBeUndefined();
    expect(replyKey(reply(201, false, null))).toBeUndefined();
    expect(replyKey(undefined)).toBeUndefined();
  });
});
