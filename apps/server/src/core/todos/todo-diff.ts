import { parseAmountCents } from '../../platform/values/rules.ts';
import type { Todo } from './todo.model.ts';

/**
 * The audit record of a change, under the names the create event uses (amounts in
 * cents as `financialImpactCents`, `orderId`; custom fields as `customFields.<name>`).
 */
export function diffTodos(before: Todo, after: Todo): Record<string, [unknown, unknown]> {
  const cents = (t: Todo) =>
    t.financialImpact === null ? null : parseAmountCents(t.financialImpact);
  const pairs: [string, unknown, unknown][] = [
    ['todoType', before.todoType, after.todoType],
    ['title', before.title, after.title],
    ['description', before.description, after.description],
    ['result', before.result, after.result],
    ['financialImpactCents', cents(before), cents(after)],
    ['impact', before.impact, after.impact],
    ['likelihood', before.likelihood, after.likelihood],
    ['priority', before.priority, after.priority],
    ['status', before.status, after.status],
    ['assignee', before.assignee, after.assignee],
    ['reporter', before.reporter, after.reporter],
    ['category', before.category, after.category],
    ['subCategory', before.subCategory, after.subCategory],
    ['orderId', before.orderId, after.orderId],
    ['lrn', before.lrn, after.lrn],
    ['tags', before.tags, after.tags],
    ['reminderDate', before.reminderDate, after.reminderDate],
    ['dueDate', before.dueDate, after.dueDate],
    ['externalRef', before.externalRef, after.externalRef],
  ];
  const names = new Set([...Object.keys(before.customFields), ...Object.keys(after.customFields)]);
  for (const name of [...names].sort()) {
    pairs.push([
      `customFields.${name}`,
      before.customFields[name] ?? null,
      after.customFields[name] ?? null,
    ]);
  }
  const out: Record<string, [unknown, unknown]> = {};
  for (const [field, old, now] of pairs) {
    if (JSON.stringify(old) !== JSON.stringify(now)) out[field] = [old, now];
  }
  return out;
}

/** The audit record of a create: every stored field as `[null, value]`. */
export function createdChanges(stored: Record<string, unknown>): Record<string, [null, unknown]> {
  const skip = new Set([
    'workspaceId',
    'assigneeId',
    'reporterId',
    'createdAt',
    'updatedAt',
    'deletedAt',
    'createdByEndpointId',
    'tagsText',
    'reminderSentFor',
    'dueDateByDone',
    'dueDateBeforeDone',
  ]);
  const out: Record<string, [null, unknown]> = {};
  for (const [k, v] of Object.entries(stored)) {
    if (skip.has(k) || v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = [null, v];
  }
  return out;
}
