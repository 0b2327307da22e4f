import { parseArgs } from 'node:util';
import type { BzCtrlClient, TodoEvent } from '@bzctrl/sdk';
import { clientFromCredentials } from './credentials.ts';
import { UsageError } from './output.ts';

export const EVENTS_USAGE = `Usage: bzctrl events tail [options]

Prints the events of your workspaces as they happen (the change feed), one line each,
until you stop it (Ctrl-C). The cursor to resume from is printed to stderr as you go.

Options:
  --workspace KEY   only this workspace (repeat for more)
  --after CURSOR    start after this cursor (default: from the oldest event kept)
  --include-own     also the events your API client caused itself
  --once            print what is there now and stop
  --json            one JSON event per line`;

/** One event on one line: when, what, which todo, its status, who and through what. */
function line(e: TodoEvent): string {
  const changed = Object.keys(e.changes).join(',');
  const what = e.type === 'todo.created' ? '' : changed ? ` [${changed}]` : '';
  return `${e.occurredAt}  ${e.type.padEnd(24)} ${e.todo.key}  ${e.todo.status}${what}  by ${e.actor.name} via ${e.dialect}`;
}

/** `bzctrl events tail …` on the session `bzctrl login` stored. */
export async function runEvents(
  argv: string[],
  bz: () => BzCtrlClient = clientFromCredentials,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h' || command === undefined) {
    if (command === undefined) throw new UsageError('name an events command', EVENTS_USAGE);
    console.log(EVENTS_USAGE);
    return 0;
  }
  if (command !== 'tail') throw new UsageError(`unknown events command "${command}"`, EVENTS_USAGE);
  let values: {
    workspace?: string[];
    after?: string;
    'include-own'?: boolean;
    once?: boolean;
    json?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        workspace: { type: 'string', multiple: true },
        after: { type: 'string' },
        'include-own': { type: 'boolean', default: false },
        once: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message, EVENTS_USAGE);
  }
  if (values.help) {
    console.log(EVENTS_USAGE);
    return 0;
  }
  const client = bz();
  const show = (e: TodoEvent) => console.log(values.json ? JSON.stringify(e) : line(e));
  const query = {
    ...(values.workspace ? { workspace: values.workspace } : {}),
    ...(values['include-own'] ? { includeOwn: true } : {}),
  };
  if (values.once) {
    let after = values.after;
    for (;;) {
      const page = await client.events.list({ ...query, ...(after ? { after } : {}), limit: 500 });
      page.items.forEach(show);
      after = page.next;
      if (page.items.length < 500) break;
    }
    console.error(`next: ${after}`);
    return 0;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  for await (const event of client.events.poll({
    ...query,
    after: values.after,
    signal: stop.signal,
    onCursor: (cursor) => console.error(`next: ${cursor}`),
  })) {
    show(event);
  }
  return 0;
}
