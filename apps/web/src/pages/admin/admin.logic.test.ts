import { describe, expect, it } from 'vitest';
import {
  commaList,
  describeDefaults,
  keyOptions,
  lines,
  splitFieldErrors,
  withNone,
} from './admin.logic.ts';

describe('splitFieldErrors', () => {
  const shown = ['name', 'workspaces', 'defaults.reporter'];

  it('puts an error at the field that shows it, by pointer or dotted path, as a sentence', () => {
    expect(
      splitFieldErrors(
        [
          { field: '/name', message: 'is taken' },
          { field: '/defaults/reporter', message: 'is not a user' },
        ],
        shown,
      ),
    ).toEqual({
      fields: { name: 'Is taken.', 'defaults.reporter': 'Is not a user.' },
      general: [],
    });
  });

  it("counts an item's error for its list, and a nested error for its top field", () => {
    expect(
      splitFieldErrors(
        [
          { field: 'workspaces[1]', message: 'unknown workspace' },
          { field: '/name/first', message: 'too long' },
        ],
        shown,
      ).fields,
    ).toEqual({ workspaces: 'Unknown workspace.', name: 'Too long.' });
  });

  it("keeps a field's first error, and says the others on top with their field", () => {
    expect(
      splitFieldErrors(
        [
          { field: '/name', message: 'first' },
          { field: '/name', message: 'second' },
          { field: '/defaults/assignee', message: 'is not a user' },
          { field: '/secret', message: 'is required' },
        ],
        shown,
      ),
    ).toEqual({
      fields: { name: 'First.' },
      general: ['/defaults/assignee: is not a user', '/secret: is required'],
    });
  });
});

describe('a server field error at its field', () => {
  it('reads as a sentence: a missing field, and the plain sentences kept as they are', () => {
    const fields = splitFieldErrors(
      [
        { field: 'name', message: 'is required' },
        { field: 'workspaces', message: 'Use at least 8 characters.' },
      ],
      shown0,
    ).fields;
    expect(fields).toEqual({ name: 'Fill this in.', workspaces: 'Use at least 8 characters.' });
  });
});
const shown0 = ['name', 'workspaces'];

describe('choices and lists', () => {
  it('offers no choice first, then the options', () => {
    expect(withNone('Any', [{ value: 1, label: 'One' }])).toEqual([
      { value: '', label: 'Any' },
      { value: 1, label: 'One' },
    ]);
  });

  it('names things with a key by key and name', () => {
    expect(keyOptions([{ key: 'IMP-NLD-EXA', name: 'Imports' }])).toEqual([
      { value: 'IMP-NLD-EXA', label: 'IMP-NLD-EXA · Imports' },
    ]);
  });

  it('reads lines and comma lists, trimmed, without empty entries', () => {
    expect(lines(' https://a.example \n\n https://b.example\n')).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(commaList('urgent, , customs ,')).toEqual(['urgent', 'customs']);
    expect(lines('')).toEqual([]);
    expect(commaList('')).toEqual([]);
  });
});

describe('describeDefaults', () => {
  it('reads the defaults an endpoint sets, in words', () => {
    expect(
      describeDefaults({
        todoType: 'INCIDENT',
        status: 'INPROGRESS',
        priority: 'HIGH',
        reporter: 'desk@example.com',
        assignee: 'ann@example.com',
        tags: ['web', 'form'],
        impact: 'LOW',
      }),
    ).toBe(
      'Incident · In Progress · High priority · reporter desk@example.com · assignee ann@example.com · tags web, form',
    );
  });

  it('shows a dash for no defaults, and leaves out an empty tag list', () => {
    expect(describeDefaults({})).toBe('—');
    expect(describeDefaults({ tags: [] })).toBe('—');
    expect(describeDefaults({ todoType: 'TASK' })).toBe('Task');
  });
});
