import { describe, expect, it } from 'vitest';
import {
  changedFrom,
  draftKey,
  draftOfferText,
  isBlank,
  mergeDraft,
  readDraft,
  restoredComment,
  savedAtText,
  writeDraft,
} from './drafts.logic.ts';

const now = new Date();
const minutesAgo = (n: number) => new Date(now.getTime() - n * 60_000);
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
const hhmm = (d: Date) =>
  new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' }).format(d);

describe('draft keys', () => {
  it('are per user (case-insensitive) and per place', () => {
    expect(draftKey('Example@Example.com', 'comment:A-1')).toBe(
      draftKey('example@example.com', 'comment:A-1'),
    );
    expect(draftKey('a@example.com', 'new')).not.toBe(draftKey('b@example.com', 'new'));
    expect(draftKey('a@example.com', 'comment:A-1')).not.toBe(
      draftKey('a@example.com', 'comment:A-2'),
    );
  });
});

describe('stored drafts', () => {
  it('read back what was written, with the base of a form', () => {
    const at = minutesAgo(5);
    const draft = readDraft<{ title: string }>(
      writeDraft({ title: 'Seal' }, at, { title: '' }),
      now,
    );
    expect(draft).toEqual({
      savedAt: at.toISOString(),
      value: { title: 'Seal' },
      base: { title: '' },
    });
    expect(readDraft(writeDraft('text', at), now)).toEqual({
      savedAt: at.toISOString(),
      value: 'text',
    });
  });

  it('hold only what was typed and when', () => {
    expect(Object.keys(JSON.parse(writeDraft('hello', now)))).toEqual(['savedAt', 'value']);
  });

  it('are dropped when missing, not ours, or older than a month', () => {
    expect(readDraft(null, now)).toBeUndefined();
    expect(readDraft('not json', now)).toBeUndefined();
    expect(readDraft('{"value":"x"}', now)).toBeUndefined();
    expect(readDraft(JSON.stringify({ savedAt: 'yesterday', value: 'x' }), now)).toBeUndefined();
    expect(readDraft(writeDraft('x', daysAgo(31)), now)).toBeUndefined();
    expect(readDraft(writeDraft('x', daysAgo(29)), now)?.value).toBe('x');
  });
});

describe('the offer', () => {
  it('says the time for today, the day and time before', () => {
    const recent = minutesAgo(1);
    const text = savedAtText(recent.toISOString(), now);
    // Just after midnight "a minute ago" is yesterday: then the day is named too.
    if (recent.getDate() === now.getDate()) expect(text).toBe(hhmm(recent));
    else expect(text).toMatch(new RegExp(`^\\d{1,2} \\w{3}, ${hhmm(recent)}$`));
    const old = daysAgo(3);
    expect(savedAtText(old.toISOString(), now)).toMatch(/^\d{1,2} \w{3}, \d{2}:\d{2}$/);
  });

  it('names what the draft is', () => {
    const at = now.toISOString();
    expect(draftOfferText({ kind: 'comment' }, at, now)).toBe(
      `You have an unsent comment from ${hhmm(now)}`,
    );
    expect(draftOfferText({ kind: 'new' }, at, now)).toBe(
      `You have an unsaved new todo from ${hhmm(now)}`,
    );
    expect(draftOfferText({ kind: 'edit', todoKey: 'A-1' }, at, now)).toBe(
      `You have unsaved changes to A-1 from ${hhmm(now)}`,
    );
  });
});

describe('restoring', () => {
  it('puts a comment into an empty box, or after what is typed', () => {
    expect(isBlank('  \n')).toBe(true);
    expect(restoredComment('', 'Seal checked')).toBe('Seal checked');
    expect(restoredComment('  ', 'Seal checked')).toBe('Seal checked');
    expect(restoredComment('Also:\n', 'Seal checked')).toBe('Also:\n\nSeal checked');
    expect(restoredComment('Seal checked', 'Seal checked')).toBe('Seal checked');
  });

  it('lays only the fields the user changed over a fresher form', () => {
    const base = {
      title: 'Old',
      priority: 'LOW',
      status: 'TODO',
      custom: { Vessel: 'A', Berth: '1' },
    };
    const value = {
      title: 'Mine',
      priority: 'LOW',
      status: 'TODO',
      custom: { Vessel: 'B', Berth: '1' },
    };
    // Since the draft, someone else changed the priority and the berth.
    const current = {
      title: 'Old',
      priority: 'HIGH',
      status: 'TODO',
      custom: { Vessel: 'A', Berth: '2' },
    };
    expect(mergeDraft(current, { savedAt: '', value, base })).toEqual({
      title: 'Mine',
      priority: 'HIGH',
      status: 'TODO',
      custom: { Vessel: 'B', Berth: '2' },
    });
    // Without a base the draft is all that counts.
    expect(mergeDraft(current, { savedAt: '', value })).toEqual(value);
  });

  it('keeps a form draft only when something changed', () => {
    const base = { title: '', tags: '' };
    expect(changedFrom({ ...base }, base)).toBe(false);
    expect(changedFrom({ ...base, title: 'x' }, base)).toBe(true);
  });
});
