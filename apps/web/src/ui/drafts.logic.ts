// Drafts kept in the browser so that nothing typed is lost when the session ends, the page
// reloads or the user walks away: what is stored, under which key, how old a draft may be,
// how the offer to restore it reads, and how a form draft is laid over a fresher form.
//
// A draft holds only what the user typed (and when): never a token, cookie or password.

/** A stored draft: the text or values typed, when, and for a form what it started from. */
export interface Draft<T> {
  savedAt: string;
  value: T;
  /** For a form: the values it was opened with, so only the fields the user changed restore. */
  base?: T;
}

/** Drafts older than this are dropped when read: a month-old comment is no longer meant. */
export const DRAFT_MAX_AGE_DAYS = 30;

const PREFIX = 'bzctrl:draft:';

/**
 * The storage key of a draft: per user (another user signing in on the same browser never
 * sees it) and per place, e.g. `comment:IMP-NLD-EXA-SWA-03`, `new`, `edit:IMP-NLD-EXA-SWA-03`.
 */
export function draftKey(user: string, scope: string): string {
  return `${PREFIX}${user.trim().toLowerCase()}:${scope}`;
}

/** Whether a storage key is a draft's (to prune old ones). */
export function isDraftKey(key: string): boolean {
  return key.startsWith(PREFIX);
}

/** The stored text of a draft. */
export function writeDraft<T>(value: T, now: Date, base?: T): string {
  const draft: Draft<T> = { savedAt: now.toISOString(), value };
  if (base !== undefined) draft.base = base;
  return JSON.stringify(draft);
}

/**
 * A stored draft read back; undefined when there is none, it is not one of ours (hand-edited,
 * an older shape) or it is older than `DRAFT_MAX_AGE_DAYS`.
 */
export function readDraft<T>(
  stored: string | null | undefined,
  now: Date,
  maxAgeDays = DRAFT_MAX_AGE_DAYS,
): Draft<T> | undefined {
  if (!stored) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const { savedAt, value, base } = parsed as Record<string, unknown>;
  if (typeof savedAt !== 'string' || value === undefined || value === null) return undefined;
  const at = Date.parse(savedAt);
  if (Number.isNaN(at) || now.getTime() - at > maxAgeDays * 86_400_000) return undefined;
  const draft: Draft<T> = { savedAt, value: value as T };
  if (base !== undefined && base !== null) draft.base = base as T;
  return draft;
}

const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

/** When a draft was saved, as the offer says it: "14:02" today, "1 Dec, 14:02" before. */
export function savedAtText(savedAt: string, now: Date): string {
  const d = new Date(savedAt);
  const sameDay =
    d.getFullYear() === now.getFullYear() &&
    d.getMonth() === now.getMonth() &&
    d.getDate() === now.getDate();
  return sameDay ? time.format(d) : dayAndTime.format(d);
}

/** What a draft is, in the offer's words. */
export type DraftKind = { kind: 'comment' } | { kind: 'new' } | { kind: 'edit'; todoKey: string };

/** "You have an unsent comment from 14:02", "…unsaved changes to IMP-…-03 from 1 Dec, 09:15". */
export function draftOfferText(what: DraftKind, savedAt: string, now: Date): string {
  const when = savedAtText(savedAt, now);
  switch (what.kind) {
    case 'comment':
      return `You have an unsent comment from ${when}`;
    case 'new':
      return `You have an unsaved new todo from ${when}`;
    case 'edit':
      return `You have unsaved changes to ${what.todoKey} from ${when}`;
  }
}

/** A comment draft worth keeping: something besides spaces. */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** Where a restored comment goes: into an empty box, or after what is already typed. */
export function restoredComment(current: string, draft: string): string {
  if (isBlank(current)) return draft;
  if (current.includes(draft)) return current;
  return `${current.trimEnd()}\n\n${draft}`;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A form's values with a draft laid over them: each field the user changed in the draft
 * (it differs from the draft's `base`) takes the draft's value; every other field keeps the
 * current one, so a change made by someone else since (to another field) is not undone.
 * Nested records (custom fields) are compared field by field. Without a base, the whole
 * draft wins.
 */
export function mergeDraft<T extends object>(current: T, draft: Draft<T>): T {
  if (!draft.base) return { ...current, ...draft.value };
  const now = current as Record<string, unknown>;
  const value = draft.value as Record<string, unknown>;
  const base = draft.base as Record<string, unknown>;
  const out: Record<string, unknown> = { ...now };
  for (const field of Object.keys(value)) {
    const v = value[field];
    const b = base[field];
    const c = now[field];
    if (same(v, b)) continue;
    out[field] =
      isRecord(v) && isRecord(b) && isRecord(c)
        ? mergeDraft(c, { savedAt: draft.savedAt, value: v, base: b })
        : v;
  }
  return out as T;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a form's values differ from what it was opened with (only then is a draft kept). */
export function changedFrom<T>(values: T, base: T): boolean {
  return !same(values, base);
}
