import { href, navigate, parseRoute } from '../../router.ts';
import { type Changes, changedQuery } from './todos.logic.ts';

/**
 * Changes the list's URL. It reads the current hash rather than a rendered copy, so a
 * debounced search that fires late never undoes a filter changed in between. Any change
 * but paging starts again at the first page.
 */
export function update(changes: Changes, keepPage = false) {
  const current = parseRoute(window.location.hash.replace(/^#/, '')).query;
  navigate(href('/todos', changedQuery(current, changes, keepPage)), { replace: true });
}
