import { createHash } from 'node:crypto';
import type { Todo } from './todo.model.ts';

/** A weak validator of what a caller read; it changes whenever any shown field does. */
export function todoETag(todo: Todo): string {
  // Keys sorted at every level, so the same content always gives the same tag.
  const canonical = JSON.stringify(todo, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
  const digest = createHash('sha256').update(canonical).digest('base64url');
  return `W/"${digest.slice(0, 27)}"`;
}
