import { useCallback, useState } from 'react';
import { type ListView, readView, viewKey } from './view.logic.ts';

/** The list's columns and density, kept in the browser per user (local settings). */
export function useListView(user: string): [ListView, (view: ListView) => void] {
  const key = viewKey(user);
  const [view, setView] = useState(() => {
    try {
      return readView(window.localStorage.getItem(key));
    } catch {
      return readView(undefined);
    }
  });
  const change = useCallback(
    (next: ListView) => {
      setView(next);
      try {
        window.localStorage.setItem(key, JSON.stringify(next));
      } catch {
        // Storage refused: the choice holds until the page is left.
      }
    },
    [key],
  );
  return [view, change];
}
