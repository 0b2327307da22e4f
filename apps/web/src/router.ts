import { useSyncExternalStore } from 'react';

/**
 * Hash routes (`#/todo/IMP-NLD-EXA-SWA-03?tab=history`), so a `taskLink` works whatever
 * the server does with paths, and a view's filters live in the URL to be bookmarked.
 */
export interface Route {
  /** The path after `#`, e.g. `/todo/IMP-NLD-EXA-SWA-03`. */
  path: string;
  /** The path's segments, decoded. */
  segments: string[];
  query: URLSearchParams;
}

function current(): string {
  return window.location.hash.replace(/^#/, '') || '/';
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function parseRoute(hash: string): Route {
  const [path = '/', search = ''] = hash.split('?', 2);
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { path, segments, query: new URLSearchParams(search) };
}

/** The current route; re-renders on every hash change. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, current);
  return parseRoute(hash);
}

/** A hash for `path` with the given query (empty values left out), e.g. for `<a href>`. */
export function href(path: string, query?: Record<string, string | number | undefined | null>) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

/** Goes to a route; `replace` keeps the back button on the page before (filter changes). */
export function navigate(to: string, options: { replace?: boolean } = {}) {
  const target = to.startsWith('#') ? to : `#${to}`;
  if (options.replace) {
    window.history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = target;
  }
}

/** The path of the todo details page for a key (what a taskLink opens). */
export function todoHref(key: string): string {
  return `#/todo/${encodeURIComponent(key)}`;
}
