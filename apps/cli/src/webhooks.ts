import type { BzCtrlClient, WebhookDelivery, WebhookSubscription } from '@bzctrl/sdk';
import { common, flag, help, parse, runSubcommand, type Subcommand } from './args.ts';
import { printJson, UsageError } from './output.ts';

export const WEBHOOKS_USAGE = `Usage: bzctrl webhooks <command> [options]

Commands:
  add          subscribe a URL to events (prints the signing secret, once)
  list         your webhooks (an administrator: all)
  deliveries   a webhook's delivery log, newest first
  replay       send a delivery again

Every command takes --json (print the API's objects) and --help.
Webhooks are managed by administrators and by API clients.`;

const ADD_USAGE = `Usage: bzctrl webhooks add --url URL [options]

Options:
  --url URL            where deliveries are POSTed (https://)
  --event TYPE         todo.* (the default) or an event type such as todo.status_changed;
                       repeat for more
  --workspace KEY      only this workspace; repeat for more (default: every one you may use)
  --include-own        also the events your own API client caused
  --json               print the created webhook, with its secret, as JSON`;

const LIST_USAGE = `Usage: bzctrl webhooks list [--json]`;

const DELIVERIES_USAGE = `Usage: bzctrl webhooks deliveries <webhook-id> [options]

Options:
  --status STATUS      pending, delivered or failed
  --limit N            how many (default 50, at most 200)
  --json               print the API's page ({items}) as JSON`;

const REPLAY_USAGE = `Usage: bzctrl webhooks replay <webhook-id> <delivery-id> [--json]`;

const text = { type: 'string' } as const;
const list = { type: 'string', multiple: true } as const;

/** A positive whole number from the command line, or a usage mistake naming it. */
function idOf(raw: string | undefined, what: string, usage: string): number {
  if (!raw || !/^[1-9]\d{0,15}$/.test(raw)) {
    throw new UsageError(
      raw ? `${what} must be a number (got "${raw}")` : `name the ${what}`,
      usage,
    );
  }
  return Number(raw);
}

const show = (v: unknown) =>
  v === null || v === undefined || v === '' ? '-' : Array.isArray(v) ? v.join(',') || '-' : `${v}`;

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [head, ...rows]) {
    console.log(
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    );
  }
}

async function add(args: string[], bz: () => BzCtrlClient): Promise<number> {
  const { values, positionals } = parse(
    args,
    { ...common, url: text, event: list, workspace: list, 'include-own': flag },
    ADD_USAGE,
  );
  if (values.help) return help(ADD_USAGE);
  if (positionals.length > 0) throw new UsageError(`unexpected "${positionals[0]}"`, ADD_USAGE);
  if (!values.url) throw new UsageError('--url is required', ADD_USAGE);
  const hook = await bz().webhooks.create({
    url: values.url,
    events: (values.event?.length ? values.event : ['todo.*']) as never,
    ...(values.workspace?.length ? { workspaces: values.workspace } : {}),
    includeOwn: values['include-own'],
  });
  if (values.json) printJson(hook);
  else {
    console.log(`Created webhook ${hook.id} → ${hook.url} (${hook.events.join(', ')})`);
    console.log(`Signing secret (shown only now; keep it to verify deliveries):\n${hook.secret}`);
  }
  return 0;
}

async function listHooks(args: string[], bz: () => BzCtrlClient): Promise<number> {
  const { values, positionals } = parse(args, common, LIST_USAGE);
  if (values.help) return help(LIST_USAGE);
  if (positionals.length > 0) throw new UsageError(`unexpected "${positionals[0]}"`, LIST_USAGE);
  const page = await bz().webhooks.list();
  if (values.json) printJson(page);
  else if (page.items.length === 0) console.log('No webhooks');
  else {
    table(
      ['ID', 'STATE', 'OWNER', 'EVENTS', 'WORKSPACES', 'URL'],
      page.items.map((h: WebhookSubscription) => [
        String(h.id),
        h.enabled ? (h.failingSince ? 'failing' : 'enabled') : 'disabled',
        h.owner.name,
        show(h.events),
        h.workspaces === null ? 'all' : show(h.workspaces),
        h.url,
      ]),
    );
  }
  return 0;
}

async function deliveries(args: string[], bz: () => BzCtrlClient): Promise<number> {
  const { values, positionals } = parse(
    args,
    { ...common, status: text, limit: text },
    DELIVERIES_USAGE,
  );
  if (values.help) return help(DELIVERIES_USAGE);
  if (positionals.length !== 1) {
    throw new UsageError('name one webhook (its id)', DELIVERIES_USAGE);
  }
  const id = idOf(positionals[0], 'webhook id', DELIVERIES_USAGE);
  const limit =
    values.limit === undefined ? undefined : idOf(values.limit, '--limit', DELIVERIES_USAGE);
  const page = await bz().webhooks.deliveries(id, {
    ...(values.status ? { status: values.status as 'pending' } : {}),
    ...(limit ? { limit } : {}),
  });
  if (values.json) printJson(page);
  else if (page.items.length === 0) console.log('No deliveries');
  else {
    table(
      ['ID', 'STATUS', 'ATTEMPTS', 'EVENT', 'LAST ANSWER', 'NEXT ATTEMPT', 'CREATED'],
      page.items.map((d: WebhookDelivery) => [
        String(d.id),
        d.status,
        String(d.attempts),
        d.eventType,
        d.lastResponse ? String(d.lastResponse.status) : show(d.lastError),
        show(d.nextAttemptAt),
        d.createdAt,
      ]),
    );
  }
  return 0;
}

async function replay(args: string[], bz: () => BzCtrlClient): Promise<number> {
  const { values, positionals } = parse(args, common, REPLAY_USAGE);
  if (values.help) return help(REPLAY_USAGE);
  if (positionals.length !== 2) {
    throw new UsageError('name the webhook and the delivery (their ids)', REPLAY_USAGE);
  }
  const id = idOf(positionals[0], 'webhook id', REPLAY_USAGE);
  const deliveryId = idOf(positionals[1], 'delivery id', REPLAY_USAGE);
  const d = await bz().webhooks.replay(id, deliveryId);
  if (values.json) printJson(d);
  else console.log(`Queued delivery ${d.id}, a replay of ${deliveryId}`);
  return 0;
}

const COMMANDS: Record<string, Subcommand> = {
  add,
  list: listHooks,
  deliveries,
  replay,
};

/** `bzctrl webhooks <command> …` on the session `bzctrl login` stored. */
export function runWebhooks(argv: string[]): Promise<number> {
  return runSubcommand('webhooks', WEBHOOKS_USAGE, COMMANDS, argv);
}
