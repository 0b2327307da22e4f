import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BzCtrlClient } from '@bzctrl/sdk';
import { configDir, merge, writeCredentials } from './credentials.ts';
import { UsageError } from './output.ts';

export const LOGIN_USAGE = `Usage: bzctrl login [--url URL] --username E-MAIL [--password P | --password-stdin]
       bzctrl login [--url URL] --client-id ID --client-secret SECRET

Signs in and keeps the tokens in $BZCTRL_CONFIG_DIR/credentials.json (default
~/.config/bzctrl, readable by you only); later commands refresh them as needed.

Options:
  --url URL             the BzCtrl server (default $BZCTRL_URL or http://127.0.0.1:8080)
  --username E-MAIL     sign in as this user (asks for the password on a terminal)
  --password P          the password (visible in your shell history: prefer the two below)
  --password-stdin      read the password from standard input
  --client-id ID        an API client: with --client-secret alone, sign in as the client;
  --client-secret S     with --username, the client the user signs in through`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
async function askHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write(question);
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

const LOGIN_OPTIONS = {
  url: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'password-stdin': { type: 'boolean', default: false },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseLoginArgs(args: string[]) {
  try {
    return parseArgs({ args, options: LOGIN_OPTIONS, strict: true }).values;
  } catch (err) {
    throw new UsageError((err as Error).message, LOGIN_USAGE);
  }
}

/** `bzctrl login …` */
export async function runLogin(argv: string[]): Promise<number> {
  const values = parseLoginArgs(argv);
  if (values.help) {
    console.log(LOGIN_USAGE);
    return 0;
  }
  const url = (values.url ?? process.env.BZCTRL_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s]+$/.test(url))
    throw new UsageError(`--url must be an http(s) URL (got "${url}")`, LOGIN_USAGE);
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'];
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    throw new UsageError('--client-id and --client-secret go together', LOGIN_USAGE);
  }
  const username = values.username;
  if (!username && !clientId) {
    throw new UsageError('give --username, or --client-id and --client-secret', LOGIN_USAGE);
  }
  if (!username && (values.password !== undefined || values['password-stdin'])) {
    throw new UsageError('a password goes with --username', LOGIN_USAGE);
  }
  if (values.password !== undefined && values['password-stdin']) {
    throw new UsageError('--password and --password-stdin exclude each other', LOGIN_USAGE);
  }
  let password = values.password;
  if (username && password === undefined) {
    if (values['password-stdin']) password = await readStdin();
    else if (process.stdin.isTTY) password = await askHidden(`Password for ${username}: `);
    else throw new UsageError('give the password with --password-stdin', LOGIN_USAGE);
  }

  const bz = new BzCtrlClient({ baseUrl: url, username, password, clientId, clientSecret });
  const tokens = await bz.signIn();
  // The password is never stored; the client's secret is, since a client-credentials
  // session has no refresh token to renew itself with.
  writeCredentials(merge({ url, clientId, clientSecret }, tokens));
  console.log(
    `Logged in to ${url} as ${username ?? `API client ${clientId}`} (scope: ${tokens.scope ?? '-'})\n` +
      `Credentials saved in ${configDir()}/credentials.json`,
  );
  return 0;
}
