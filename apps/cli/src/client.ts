import { BzCtrlError } from '@bzctrl/sdk';
import { NotLoggedIn } from './credentials.ts';
import { UsageError } from './output.ts';

/**
 * The API-client commands (`login`, `todo …`, `events tail`, `webhooks …`): they talk to a
 * running server through the SDK. Errors end as one line on stderr: exit code 2 for a usage
 * mistake, 1 otherwise.
 */
export async function runClientCommand(
  command: 'login' | 'todo' | 'events' | 'webhooks',
  argv: string[],
): Promise<number> {
  try {
    if (command === 'login') return await (await import('./login.ts')).runLogin(argv);
    if (command === 'events') return await (await import('./events.ts')).runEvents(argv);
    if (command === 'webhooks') return await (await import('./webhooks.ts')).runWebhooks(argv);
    return await (await import('./todo.ts')).runTodo(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`bzctrl ${command}: ${err.message}\n\n${err.usage}`);
      return 2;
    }
    console.error(`bzctrl: ${messageOf(err, command)}`);
    return 1;
  }
}

function messageOf(err: unknown, command: string): string {
  if (err instanceof NotLoggedIn) return err.message;
  if (!(err instanceof BzCtrlError)) return err instanceof Error ? err.message : String(err);
  if (command === 'login') return `login failed: ${err.detail}`;
  // A refused token, or a refresh token that expired or was used up: sign in anew.
  if (err.status === 401 || err.code === 'invalid_grant') {
    return `${err.detail}; your session may have ended: run \`bzctrl login\` again`;
  }
  // Every invalid field on the one line, as the server names them.
  const fields = err.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  const id = err.requestId && err.status >= 500 ? ` (request id ${err.requestId})` : '';
  return `${fields || err.detail}${id}`;
}
