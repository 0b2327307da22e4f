import { useEffect, useState } from 'react';
import { call } from '../../api.ts';
import { Badge, Empty, ErrorNote, Loading } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import { SmallButton } from './actions.tsx';
import { AdminCard, useOutcome } from './shared.tsx';
import {
  deliveryState,
  describeAnswer,
  eventLabel,
  shouldRefresh,
  type Webhook,
  type WebhookDelivery,
} from './webhooks.logic.ts';

const PAGE = 50;
// Attempts come seconds apart: the log tells the time to the second, in the user's zone.
const WHEN = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
const when = (value: string) => WHEN.format(new Date(value));
/** How often the log is read again while a delivery is about to be attempted. */
const REFRESH_MS = 1000;

/**
 * One subscription's delivery log, newest first: each delivery's state, attempts, last
 * answer (status and first bytes) and when, with Replay. While a delivery waits for an
 * attempt due soon the log reads itself again, so a test ping's outcome shows by itself.
 */
export function WebhookDeliveries({
  hook,
  newest,
  name,
  onStale,
  onClose,
}: {
  hook: Webhook;
  /** The newest delivery the list shows: a new one (a test sent) reads the log again. */
  newest: WebhookDelivery | undefined;
  name: string;
  /** The log's newest delivery is not what the list shows (sent, answered, replayed). */
  onStale: () => void;
  onClose: () => void;
}) {
  const [pages, setPages] = useState(1);
  const state = useAsync(
    () => call((c) => c.webhooks.deliveries(hook.id, { limit: Math.min(PAGE * pages, 200) })),
    [hook.id, pages, hook.updatedAt, newest?.id],
  );
  const outcome = useOutcome();
  const items = state.data?.items;
  const { reload } = state;

  // A disabled webhook's deliveries wait for it to be enabled: nothing to watch.
  const pollable =
    hook.enabled &&
    items !== undefined &&
    state.status === 'ready' &&
    shouldRefresh(items, new Date());
  useEffect(() => {
    if (!pollable) return;
    const timer = setTimeout(reload, REFRESH_MS);
    return () => clearTimeout(timer);
  }, [pollable, reload]);
  // The list's "last delivery" (and the webhook's failing state) follow what the log sees.
  const head = items?.[0];
  const headKey = head && deliveryKey(head);
  const listKey = newest && deliveryKey(newest);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change of the log's head counts
  useEffect(() => {
    if (headKey && headKey !== listKey) onStale();
  }, [headKey]);

  const replay = (d: WebhookDelivery) =>
    outcome.run(async () => {
      await call((c) => c.webhooks.replay(hook.id, d.id));
      reload();
    }, `Delivery ${d.id} is sent again.`);

  return (
    <AdminCard
      title={`Deliveries of ${name}`}
      intro={
        <>
          To <span className="admin-key">{hook.url}</span>, newest first. A failed delivery is
          retried with growing pauses for at least a day; Replay sends it again now.
          {!hook.enabled && ' This webhook is disabled: its deliveries wait until it is enabled.'}
        </>
      }
    >
      <div className="admin-actions webhook-deliveries__bar">
        <SmallButton onClick={reload} disabled={state.status === 'loading'}>
          Refresh
        </SmallButton>
        <SmallButton onClick={onClose}>Close deliveries</SmallButton>
      </div>
      {outcome.note}
      {items === undefined ? (
        state.status === 'error' ? (
          <ErrorNote error={state.error} onRetry={reload} />
        ) : (
          <Loading />
        )
      ) : items.length === 0 ? (
        <Empty title="No deliveries yet">
          Send a test, or change a todo this webhook listens to.
        </Empty>
      ) : (
        <>
          {state.status === 'error' && <ErrorNote error={state.error} onRetry={reload} />}
          <div className="table-wrap">
            <table aria-label={`Deliveries of ${name}`}>
              <thead>
                <tr>
                  <th scope="col">Delivery</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last answer</th>
                  <th scope="col">When</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <DeliveryRow key={d.id} delivery={d} onReplay={() => replay(d)} />
                ))}
              </tbody>
            </table>
          </div>
          {items.length >= PAGE * pages && PAGE * pages < 200 && (
            <SmallButton onClick={() => setPages((p) => p + 1)}>Show older deliveries</SmallButton>
          )}
        </>
      )}
    </AdminCard>
  );
}

/** What tells a delivery's progress apart: a new delivery, a new attempt, a new state. */
const deliveryKey = (d: WebhookDelivery) => `${d.id}:${d.status}:${d.attempts}`;

function DeliveryRow({
  delivery: d,
  onReplay,
}: {
  delivery: WebhookDelivery;
  onReplay: () => void;
}) {
  const state = deliveryState(d);
  const answer = describeAnswer(d);
  return (
    <tr>
      <td className="admin-key">
        #{d.id}
        {d.replayOf !== null && (
          <div className="admin-small-text admin-muted">replay of #{d.replayOf}</div>
        )}
      </td>
      <td>{eventLabel(d.eventType)}</td>
      <td>
        <Badge tone={state.tone}>{state.label}</Badge>
        {d.status === 'pending' && d.attempts > 0 && d.nextAttemptAt && (
          <div className="admin-small-text admin-muted">next try {when(d.nextAttemptAt)}</div>
        )}
      </td>
      <td>{d.attempts}</td>
      <td className="webhook-answer">
        {answer.status !== undefined && (
          <span className="webhook-answer__status">HTTP {answer.status}</span>
        )}{' '}
        <code className="webhook-answer__body">{answer.text}</code>
      </td>
      <td className="admin-small-text">{when(d.deliveredAt ?? d.lastAttemptAt ?? d.createdAt)}</td>
      <td className="admin-row-actions">
        <SmallButton aria-label={`Replay delivery ${d.id}`} onClick={onReplay}>
          Replay
        </SmallButton>
      </td>
    </tr>
  );
}
