import { describe, expect, it } from 'vitest';
import {
  blankWebhookForm,
  checkWebhookForm,
  deliveryState,
  describeAnswer,
  describeEvents,
  plainWebhookMessage,
  shouldRefresh,
  type Webhook,
  type WebhookDelivery,
  webhookBody,
  webhookFormOf,
  webhookPatch,
  webhookState,
} from './webhooks.logic.ts';

const delivery = (over: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  id: 7,
  messageId: 'msg_1_test_x',
  eventId: null,
  eventType: 'webhook.test',
  replayOf: null,
  status: 'pending',
  attempts: 0,
  createdAt: '2026-01-01T10:00:00.000Z',
  lastAttemptAt: null,
  nextAttemptAt: '2026-01-01T10:00:00.000Z',
  deliveredAt: null,
  lastResponse: null,
  lastError: null,
  ...over,
});

const hook = (over: Partial<Webhook> = {}): Webhook => ({
  id: 1,
  url: 'https://erp.example.com/hooks',
  events: ['todo.*'],
  workspaces: null,
  includeOwn: false,
  enabled: true,
  disabledAt: null,
  disabledReason: null,
  failingSince: null,
  owner: { type: 'user', name: 'admin@example.com' },
  previousSecretUntil: null,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
  ...over,
});

describe('the create form', () => {
  it('asks for an address and at least one chosen type, in words', () => {
    expect(checkWebhookForm({ ...blankWebhookForm, scope: 'chosen' })).toEqual([
      { field: 'url', message: 'Enter the address BzCtrl sends the events to' },
      { field: 'events', message: 'Tick at least one event type, or choose all' },
    ]);
    for (const url of ['erp.example.com/hooks', 'ftp://erp.example.com', 'https://']) {
      expect(checkWebhookForm({ ...blankWebhookForm, url })[0]?.message).toMatch(
        /^Enter a full address, like https:\/\//,
      );
    }
    expect(
      checkWebhookForm({ ...blankWebhookForm, url: `https://a.example/${'x'.repeat(2000)}` }),
    ).toEqual([{ field: 'url', message: 'Use at most 2000 characters' }]);
    expect(checkWebhookForm({ ...blankWebhookForm, url: ' https://erp.example.com/h ' })).toEqual(
      [],
    );
  });

  it('sends todo.* or the ticked types in the API order, workspaces only when some are ticked', () => {
    expect(webhookBody({ ...blankWebhookForm, url: ' https://a.example/h ' })).toEqual({
      url: 'https://a.example/h',
      events: ['todo.*'],
      includeOwn: false,
    });
    expect(
      webhookBody({
        url: 'https://a.example/h',
        scope: 'chosen',
        types: ['todo.deleted', 'todo.created'],
        workspaces: ['IMP-NLD-EXA-SWA'],
        includeOwn: true,
      }),
    ).toEqual({
      url: 'https://a.example/h',
      events: ['todo.created', 'todo.deleted'],
      workspaces: ['IMP-NLD-EXA-SWA'],
      includeOwn: true,
    });
  });
});

describe('changing a webhook', () => {
  it('reads a webhook into the form and back, no workspace meaning every one', () => {
    const chosen = hook({ events: ['todo.deleted', 'todo.created'], workspaces: ['A-B-C-D'] });
    const values = webhookFormOf(chosen);
    expect(values).toEqual({
      url: chosen.url,
      scope: 'chosen',
      types: ['todo.created', 'todo.deleted'],
      workspaces: ['A-B-C-D'],
      includeOwn: false,
    });
    expect(webhookPatch({ ...values, workspaces: [] })).toEqual({
      url: chosen.url,
      events: ['todo.created', 'todo.deleted'],
      includeOwn: false,
      workspaces: null,
    });
    expect(webhookFormOf(hook()).scope).toBe('all');
  });
});

describe('plainWebhookMessage', () => {
  it('shows the server’s sentences as they are, a bare "is required" as one', () => {
    expect(plainWebhookMessage('url', 'Use at most 2000 characters.')).toBe(
      'Use at most 2000 characters.',
    );
    expect(plainWebhookMessage('events', 'Give at least one.')).toBe('Give at least one.');
    expect(plainWebhookMessage('url', 'is required')).toBe('Fill this in.');
  });

  it("says what is wrong with a target in the admin's words", () => {
    expect(
      plainWebhookMessage(
        'url',
        'resolves to 10.0.0.5, a private, loopback, link-local or metadata address; such targets are refused (BZCTRL_WEBHOOK_ALLOW_PRIVATE)',
      ),
    ).toMatch(/^This address leads to 10\.0\.0\.5, inside a private or local network\./);
    expect(plainWebhookMessage('url', 'host nowhere.invalid does not resolve')).toBe(
      'The host nowhere.invalid cannot be found. Check the address.',
    );
    expect(plainWebhookMessage('/url', 'must be an https:// URL')).toMatch(/^Use an https:\/\//);
    expect(
      plainWebhookMessage('workspaces[1]', 'unknown workspace "NOPE" (or not one you may use)'),
    ).toBe('There is no workspace NOPE you may use');
    expect(plainWebhookMessage('url', 'something new')).toBe('Something new.');
  });
});

describe('states in words', () => {
  it('names the events', () => {
    expect(describeEvents(['todo.*'])).toBe('All todo events');
    expect(describeEvents(['todo.created', 'todo.status_changed'])).toBe('Created, Status changed');
  });

  it('tells enabled, failing and disabled with its reason', () => {
    expect(webhookState(hook())).toEqual({ label: 'Enabled', tone: 'done' });
    expect(webhookState(hook({ failingSince: '2026-01-01T10:00:00.000Z' })).label).toBe('Failing');
    expect(webhookState(hook({ enabled: false, disabledReason: 'disabled by request' }))).toEqual({
      label: 'Disabled',
      tone: 'expired',
      detail: 'Disabled by an administrator',
    });
    expect(
      webhookState(
        hook({
          enabled: false,
          disabledReason: 'every delivery failed for 24 h (last: answered 500)',
        }),
      ).detail,
    ).toBe('Every delivery failed for 24 h (last: answered 500)');
  });

  it('tells a delivery waiting, delivered, failing and given up', () => {
    expect(deliveryState(delivery()).label).toBe('Waiting');
    expect(deliveryState(delivery({ status: 'delivered', attempts: 1 })).label).toBe('Delivered');
    expect(deliveryState(delivery({ attempts: 1 })).label).toBe('Failed, will retry');
    expect(deliveryState(delivery({ status: 'failed', attempts: 30 })).label).toBe(
      'Failed, given up',
    );
  });

  it("shows an answer's status and first bytes, or why there was none", () => {
    expect(
      describeAnswer(delivery({ attempts: 1, lastResponse: { status: 500, body: 'boom\n  now' } })),
    ).toEqual({ status: 500, text: 'boom now' });
    const long = describeAnswer(
      delivery({ attempts: 1, lastResponse: { status: 200, body: 'x'.repeat(1024) } }),
    );
    expect(long.text).toHaveLength(201);
    expect(
      describeAnswer(delivery({ attempts: 1, lastResponse: { status: 204, body: '' } })),
    ).toEqual({ status: 204, text: '(empty answer)' });
    expect(describeAnswer(delivery({ attempts: 1, lastError: 'timed out after 10 s' }))).toEqual({
      text: 'Timed out after 10 s',
    });
    expect(describeAnswer(delivery())).toEqual({ text: 'Not sent yet' });
  });
});

describe('shouldRefresh', () => {
  const now = new Date('2026-01-01T10:00:00.000Z');
  const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
  it('looks again while an attempt is due soon, not for a retry far off', () => {
    expect(shouldRefresh([delivery({ nextAttemptAt: at(0) })], now)).toBe(true);
    expect(shouldRefresh([delivery({ attempts: 1, nextAttemptAt: at(10) })], now)).toBe(true);
    expect(shouldRefresh([delivery({ attempts: 3, nextAttemptAt: at(3600) })], now)).toBe(false);
    expect(
      shouldRefresh([delivery({ status: 'delivered', attempts: 1, nextAttemptAt: null })], now),
    ).toBe(false);
    expect(shouldRefresh([], now)).toBe(false);
  });

  it('stops when an attempt is long overdue (the sender is not running)', () => {
    expect(shouldRefresh([delivery({ nextAttemptAt: at(-20) })], now)).toBe(true);
    expect(shouldRefresh([delivery({ nextAttemptAt: at(-31) })], now)).toBe(false);
  });
});
