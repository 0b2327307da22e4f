import { useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from '../session.tsx';
import { type Draft, draftKey, isDraftKey, readDraft, writeDraft } from './drafts.logic.ts';

/** localStorage, or nothing where the browser refuses it (private mode, full, blocked). */
function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

let pruned = false;
/** Once per page load: drops drafts too old to offer, so they do not pile up. */
function pruneOldDrafts(store: Storage) {
  if (pruned) return;
  pruned = true;
  const now = new Date();
  for (let i = store.length - 1; i >= 0; i--) {
    const key = store.key(i);
    if (key && isDraftKey(key) && !readDraft(store.getItem(key), now)) store.removeItem(key);
  }
}

export interface DraftStore<T> {
  /** A draft found when the page opened, until the user restores or discards it. */
  offer: Draft<T> | undefined;
  /**
   * Keeps what is typed now, or with `undefined` forgets it (nothing left worth keeping).
   * Ignored while an offer waits: it would overwrite or drop the draft on offer.
   */
  save(value: T | undefined, base?: T): void;
  /** Forgets the draft: it was sent, or there is nothing left to keep. */
  clear(): void;
  /** Takes the offered draft (its text or values go back into the page) and ends the offer. */
  restore(): Draft<T> | undefined;
  /** Throws the offered draft away. */
  discard(): void;
}

/**
 * A draft of the signed-in user for one place (`scope`), kept in localStorage: written as
 * the user types, offered back when the page opens again (after a reload, or after signing
 * in again when the session ended), removed once sent or discarded.
 */
export function useDraft<T>(scope: string): DraftStore<T> {
  const { session } = useSession();
  const key = draftKey(session.user.email, scope);
  const [offer, setOffer] = useState<Draft<T> | undefined>(() => {
    const store = storage();
    if (!store) return undefined;
    pruneOldDrafts(store);
    return readDraft<T>(store.getItem(key), new Date());
  });
  const waiting = useRef(offer !== undefined);
  waiting.current = offer !== undefined;

  // Another place (a todo's key in the URL) is another draft.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    setOffer(readDraft<T>(storage()?.getItem(key), new Date()));
  }, [key]);

  const save = useCallback(
    (value: T | undefined, base?: T) => {
      if (waiting.current) return;
      try {
        if (value === undefined) storage()?.removeItem(key);
        else storage()?.setItem(key, writeDraft(value, new Date(), base));
      } catch {
        // Storage full or refused: the page still works, the draft is only not kept.
      }
    },
    [key],
  );
  const clear = useCallback(() => {
    storage()?.removeItem(key);
    waiting.current = false;
    setOffer(undefined);
  }, [key]);
  const restore = useCallback(() => {
    waiting.current = false;
    setOffer(undefined);
    return offer;
  }, [offer]);

  return { offer, save, clear, restore, discard: clear };
}
