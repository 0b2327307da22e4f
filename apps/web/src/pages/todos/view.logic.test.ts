import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VIEW,
  isTyping,
  listAction,
  movedRow,
  personLabel,
  readView,
  toggleColumn,
  viewKey,
} from './view.logic.ts';

describe('the list view kept in local settings', () => {
  it('is compact by default, per user', () => {
    expect(readView(null)).toEqual(DEFAULT_VIEW);
    expect(DEFAULT_VIEW.density).toBe('compact');
    expect(DEFAULT_VIEW.columns).toContain('title');
    expect(DEFAULT_VIEW.columns).not.toContain('reporter');
    expect(viewKey('A@Example.com')).toBe(viewKey('a@example.com'));
  });

  it('reads back a choice, dropping what it does not know and keeping key and title', () => {
    const stored = JSON.stringify({ density: 'comfortable', columns: ['status', 'gone', 'key'] });
    expect(readView(stored)).toEqual({
      density: 'comfortable',
      columns: ['key', 'title', 'status'],
    });
    expect(readView('{"density":"huge"}')).toEqual({ ...DEFAULT_VIEW, density: 'compact' });
    expect(readView('not json')).toEqual(DEFAULT_VIEW);
  });

  it('shows and hides columns in the table order, never key or title', () => {
    const shown = toggleColumn(DEFAULT_VIEW, 'reporter', true);
    expect(shown.columns.indexOf('reporter')).toBe(shown.columns.indexOf('assignee') + 1);
    expect(toggleColumn(shown, 'reporter', false)).toEqual(DEFAULT_VIEW);
    expect(toggleColumn(DEFAULT_VIEW, 'title', false).columns).toContain('title');
  });
});

describe('people in the list', () => {
  const me = { email: 'example@example.com', name: 'Example User' };
  it('are the user by their own name, others by the name part of their e-mail', () => {
    expect(personLabel('Example@example.com', me)).toBe('Example User');
    expect(personLabel('gate.clerk@example.com', me)).toBe('Gate Clerk');
    expect(personLabel('jan_de-vries@example.nl', me)).toBe('Jan De Vries');
    expect(personLabel('rge@vtti.com', me)).toBe('rge');
    expect(personLabel('', me)).toBe('—');
  });
});

describe('the keyboard', () => {
  const body = { tagName: 'BODY' };
  const row = { tagName: 'A', inTable: true };
  const button = { tagName: 'BUTTON' };

  it('never acts while typing or with a modifier', () => {
    for (const tagName of ['INPUT', 'textarea', 'SELECT']) {
      expect(isTyping({ tagName })).toBe(true);
      expect(listAction({ key: 'j' }, { tagName })).toBeUndefined();
      expect(listAction({ key: '/' }, { tagName })).toBeUndefined();
    }
    expect(listAction({ key: 'c' }, { tagName: 'DIV', isContentEditable: true })).toBeUndefined();
    expect(listAction({ key: 'c', ctrlKey: true }, body)).toBeUndefined();
    expect(listAction({ key: 'k', metaKey: true }, body)).toBeUndefined();
  });

  it('moves with j/k anywhere, with the arrows from the page or the table', () => {
    expect(listAction({ key: 'j' }, button)).toBe('next');
    expect(listAction({ key: 'k' }, row)).toBe('previous');
    expect(listAction({ key: 'ArrowDown' }, body)).toBe('next');
    expect(listAction({ key: 'ArrowUp' }, row)).toBe('previous');
    expect(listAction({ key: 'ArrowDown' }, button)).toBeUndefined();
  });

  it('opens with Enter from the page (a focused link opens by itself), searches, creates', () => {
    expect(listAction({ key: 'Enter' }, body)).toBe('open');
    expect(listAction({ key: 'Enter' }, row)).toBeUndefined();
    expect(listAction({ key: 'Enter' }, button)).toBeUndefined();
    expect(listAction({ key: '/' }, body)).toBe('search');
    expect(listAction({ key: 'c' }, button)).toBe('create');
    expect(listAction({ key: 'x' }, body)).toBeUndefined();
  });

  it('starts at the first row and stops at either end', () => {
    expect(movedRow(undefined, 3, 'next')).toBe(0);
    expect(movedRow(undefined, 3, 'previous')).toBe(2);
    expect(movedRow(0, 3, 'previous')).toBe(0);
    expect(movedRow(2, 3, 'next')).toBe(2);
    expect(movedRow(1, 3, 'next')).toBe(2);
    expect(movedRow(undefined, 0, 'next')).toBeUndefined();
  });
});
