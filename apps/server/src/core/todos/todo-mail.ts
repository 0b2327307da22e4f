import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import type { OutgoingMail } from '../../platform/mail/outbox.repository.ts';
import { formatCents } from '../../platform/values/rules.ts';
import { actorLabel } from '../access/actor.ts';
import type { Todo } from './todo.model.ts';
import type { ExternalRef } from './todo-fields.ts';
import { listWatchers } from './watchers.repository.ts';

/** Queues one mail per watcher (not the actor) listing the changes and the link. */
export async function watcherMails(
  ctx: Ctx,
  trx: Executor,
  todoId: number,
  todo: Todo,
  changes: Record<string, [unknown, unknown]>,
): Promise<OutgoingMail[]> {
  const watchers = (await listWatchers(trx, todoId)).filter((w) => w.userId !== ctx.actor.userId);
  if (watchers.length === 0) return [];
  const show = (field: string, v: unknown): string => {
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) return '(none)';
    if (field === 'financialImpactCents') return `EUR ${formatCents(Number(v))}`;
    if (Array.isArray(v)) return v.join(', ');
    if (typeof v === 'object') {
      const r = v as Partial<ExternalRef>;
      return r.system !== undefined ? `${r.system}:${r.id}` : JSON.stringify(v);
    }
    return String(v);
  };
  const lines = Object.entries(changes).map(([field, [old, now]]) => {
    const label = field === 'financialImpactCents' ? 'financialImpact' : field;
    return `${label}: ${show(field, old)} → ${show(field, now)}`;
  });
  const summary = lines.join('; ');
  const subject = `[${todo.key}] ${summary.length > 150 ? `${summary.slice(0, 149)}…` : summary}`;
  const text = [
    `${actorLabel(ctx.actor)} changed ${todo.key} "${todo.title}":`,
    '',
    ...lines.map((l) => `  ${l}`),
    '',
    todo.taskLink,
    '',
    'You receive this because you watch this todo.',
  ].join('\n');
  return watchers.map((w) => ({ to: w.email, subject, text, kind: 'watch', todoId }));
}
