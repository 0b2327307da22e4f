// The webhooks screen's pure logic: the event types in words, the create form checked and
// turned into a body, the API's field errors in plain words, and what a subscription's
// and a delivery's state read as.

import { atField } from '@bzctrl/form-contract';
import type {
  CreateWebhookBody,
  WebhookSubscription as Webhook,
  WebhookDelivery,
  WebhookWithSecret,
} from '@bzctrl/sdk';

export type { Webhook, WebhookDelivery, WebhookWithSecret };

/** What a subscription's `events` may hold: `todo.*` or event types. */
export type EventFilter = CreateWebhookBody['events'][number];
export type EventType = Exclude<EventFilter, 'todo.*'>;

/**
 * Every todo event type in words, in the API's order. A `Record` over the SDK's type, so an
 * event type the server adds fails the build until it has its words here.
 */
export const EVENT_LABEL: Record<EventType, string> = {
  'todo.created': 'Created',
  'todo.updated': 'Changed',
  'todo.status_changed': 'Status changed',
  'todo.commented': 'Commented',
  'todo.attachment_added': 'File added',
  'todo.attachment_removed': 'File removed',
  'todo.deleted': 'Deleted',
  'todo.expired': 'Expired',
};

export const EVENT_TYPES = Object.keys(EVENT_LABEL) as EventType[];

/** An event type (or the test ping, or `todo.*`) in words; an unknown one as it is. */
export function eventLabel(type: string): string {
  if (type === 'todo.*') return 'All todo events';
  if (type === 'webhook.test') return 'Test ping';
  return EVENT_LABEL[type as EventType] ?? type;
}

/** A subscription's `events` in words for the list. */
export function describeEvents(events: readonly string[]): string {
  return events.map(eventLabel).join(', ') || '—';
}

/** What the create form holds. */
export type WebhookFormValues = {
  url: string;
  /** `all`: `todo.*`; `chosen`: the ticked `types`. */
  scope: 'all' | 'chosen';
  types: EventType[];
  /** Workspace keys; none ticked: every workspace. */
  workspaces: string[];
  includeOwn: boolean;
};

export const blankWebhookForm: WebhookFormValues = {
  url: '',
  scope: 'all',
  types: [],
  workspaces: [],
  includeOwn: false,
};

/** A subscription as the form shows it, to change it. */
export function webhookFormOf(h: Webhook): WebhookFormValues {
  const all = h.events.includes('todo.*');
  return {
    url: h.url,
    scope: all ? 'all' : 'chosen',
    types: all ? [] : EVENT_TYPES.filter((t) => h.events.includes(t)),
    workspaces: h.workspaces ?? [],
    includeOwn: h.includeOwn,
  };
}

/** The change body: everything the form shows; no workspace ticked is every workspace (null). */
export function webhookPatch(v: WebhookFormValues) {
  const { workspaces, ...rest } = webhookBody(v);
  return { ...rest, workspaces: workspaces ?? null };
}

/** The longest target URL the API takes. */
export const MAX_URL = 2000;

const URL_EXAMPLE = 'https://erp.example.com/bzctrl-hooks';

/**
 * Checks the form before sending, field by field, in words: what the server would refuse
 * by its schema. Whether the target is allowed (DNS, private ranges) only the server knows.
 */
export function checkWebhookForm(v: WebhookFormValues): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const url = v.url.trim();
  if (!url) out.push({ field: 'url', message: 'Enter the address BzCtrl sends the events to' });
  else if (url.length > MAX_URL)
    out.push({ field: 'url', message: `Use at most ${MAX_URL} characters` });
  else if (!/^https?:\/\/[^/\s]/i.test(url) || !URL.canParse(url))
    out.push({ field: 'url', message: `Enter a full address, like ${URL_EXAMPLE}` });
  if (v.scope === 'chosen' && v.types.length === 0) {
    out.push({ field: 'events', message: 'Tick at least one event type, or choose all' });
  }
  return out;
}

/** The create body: `todo.*` or the ticked types in the API's order; no workspaces: all. */
export function webhookBody(v: WebhookFormValues): CreateWebhookBody {
  return {
    url: v.url.trim(),
    events: v.scope === 'all' ? ['todo.*'] : EVENT_TYPES.filter((t) => v.types.includes(t)),
    ...(v.workspaces.length ? { workspaces: v.workspaces } : {}),
    includeOwn: v.includeOwn,
  };
}

/**
 * A field error of the webhooks API in plain words. The target checks' messages say what
 * is wrong with the address; anything else is the server's own sentence.
 */
export function plainWebhookMessage(field: string, message: string): string {
  const name = field.replace(/^\/+/, '').split(/[./[]/)[0] ?? '';
  for (const rule of PLAIN_RULES) {
    if (rule.field && rule.field !== name) continue;
    const m = rule.match.exec(message);
    if (m) return rule.say(m);
  }
  return atField(message);
}

/**
 * The target and workspace checks' messages in the admin's words; the schema's are plain
 * sentences from the server already (and a bare "is required" reads "Fill this in.").
 */
const PLAIN_RULES: { field?: string; match: RegExp; say: (m: RegExpExecArray) => string }[] = [
  { field: 'url', match: /^is not a URL$/, say: () => `Enter a full address, like ${URL_EXAMPLE}` },
  {
    field: 'url',
    match: /^resolves to (\S+), a private/,
    say: (m) =>
      `This address leads to ${m[1]}, inside a private or local network. BzCtrl sends nothing there unless the operator allows it (BZCTRL_WEBHOOK_ALLOW_PRIVATE).`,
  },
  {
    field: 'url',
    match: /^must be an https:\/\/ URL/,
    say: () =>
      'Use an https:// address (plain http:// only to this machine or to hosts the operator allows)',
  },
  {
    field: 'url',
    match: /^host (\S+) does not resolve$/,
    say: (m) => `The host ${m[1]} cannot be found. Check the address.`,
  },
  {
    field: 'url',
    match: /^must not carry a user name or password$/,
    say: () => 'Leave the user name and password out of the address',
  },
  {
    field: 'url',
    match: /^must not have a #fragment$/,
    say: () => 'Leave the #… part out of the address',
  },
  {
    field: 'workspaces',
    match: /^unknown workspace "([^"]+)"/,
    say: (m) => `There is no workspace ${m[1]} you may use`,
  },
];

type Tone = 'done' | 'expired' | 'inprogress' | 'todo';

/** A subscription's state: enabled, enabled but failing, or disabled and why. */
export function webhookState(h: Webhook): { label: string; tone: Tone; detail?: string } {
  if (!h.enabled) {
    const reason = h.disabledReason;
    const detail =
      reason === 'disabled by request'
        ? 'Disabled by an administrator'
        : reason === 'created disabled'
          ? 'Created disabled'
          : reason
            ? reason.charAt(0).toUpperCase() + reason.slice(1)
            : undefined;
    return { label: 'Disabled', tone: 'expired', ...(detail ? { detail } : {}) };
  }
  if (h.failingSince) return { label: 'Failing', tone: 'inprogress' };
  return { label: 'Enabled', tone: 'done' };
}

/** A delivery's state in words: waiting, delivered, failed and retried later, or given up. */
export function deliveryState(d: WebhookDelivery): { label: string; tone: Tone } {
  if (d.status === 'delivered') return { label: 'Delivered', tone: 'done' };
  if (d.status === 'failed') return { label: 'Failed, given up', tone: 'expired' };
  if (d.attempts === 0) return { label: 'Waiting', tone: 'todo' };
  return { label: 'Failed, will retry', tone: 'expired' };
}

/** How many characters of an answer's first bytes the list shows (the API keeps 1 KB). */
export const ANSWER_PREVIEW = 200;

/** The last answer in a line: its status and first bytes, or why there was none. */
export function describeAnswer(d: WebhookDelivery): { status?: number; text: string } {
  if (d.lastResponse) {
    const body = d.lastResponse.body.replace(/\s+/g, ' ').trim();
    const text = body.length > ANSWER_PREVIEW ? `${body.slice(0, ANSWER_PREVIEW)}…` : body;
    return { status: d.lastResponse.status, text: text || '(empty answer)' };
  }
  if (d.lastError) return { text: d.lastError.charAt(0).toUpperCase() + d.lastError.slice(1) };
  return { text: d.attempts === 0 ? 'Not sent yet' : '—' };
}

/**
 * Whether the deliveries view should look again soon: a delivery's next attempt (the first
 * one included) is due within `soonMs`, or was due at most `lateMs` ago and has not been
 * made yet. Otherwise the log stays as it is until the admin refreshes it, so an open tab
 * polls neither a receiver that is down for hours nor a server whose sender is stopped.
 */
export function shouldRefresh(
  items: readonly WebhookDelivery[],
  now: Date,
  { soonMs = 15_000, lateMs = 30_000 } = {},
): boolean {
  return items.some((d) => {
    if (d.status !== 'pending' || d.nextAttemptAt === null) return false;
    const due = Date.parse(d.nextAttemptAt) - now.getTime();
    return due <= soonMs && due >= -lateMs;
  });
}
