import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldErrors } from '../../platform/errors.ts';
import { isCalendarDate } from '../../platform/values/dates.ts';
import { formatTodoKey, LEVELS, normalizeEnum, STATUSES } from './todo-fields.ts';
import { parseNewTodo } from './todo-input.ts';

describe('normalizeEnum', () => {
  it('forgives case, spaces, underscores and hyphens', () => {
    expect(normalizeEnum('In Progress', STATUSES)).toBe('INPROGRESS');
    expect(normalizeEnum('in_progress', STATUSES)).toBe('INPROGRESS');
    expect(normalizeEnum('IN-PROGRESS', STATUSES)).toBe('INPROGRESS');
    expect(normalizeEnum('To do', STATUSES)).toBe('TODO');
    expect(normalizeEnum('High', LEVELS)).toBe('HIGH');
    expect(normalizeEnum('Highest', LEVELS)).toBeUndefined();
    expect(normalizeEnum('', LEVELS)).toBeUndefined();
  });

  it('finds every value whatever its spelling', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STATUSES),
        fc.boolean(),
        fc.constantFrom(' ', '_', ''),
        (v, lower, sep) => {
          const spelled = (lower ? v.toLowerCase() : v).split('').join(sep);
          expect(normalizeEnum(spelled, STATUSES)).toBe(v);
        },
      ),
    );
  });
});

describe('isCalendarDate', () => {
  it('accepts real dates only, strictly as YYYY-MM-DD', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-04-31')).toBe(false);
    expect(isCalendarDate('2024-4-30')).toBe(false);
    expect(isCalendarDate('2024-04-30T00:00:00Z')).toBe(false);
  });

  it('agrees with the calendar for every day in four centuries', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2299, 11, 31) }), (ms) => {
        expect(isCalendarDate(new Date(ms).toISOString().slice(0, 10))).toBe(true);
      }),
    );
  });
});

describe('formatTodoKey', () => {
  it('zero-pads to at least two digits', () => {
    expect(formatTodoKey('IMP-NLD-EXA-SWA', 3)).toBe('IMP-NLD-EXA-SWA-03');
    expect(formatTodoKey('IMP-NLD-EXA-SWA', 10)).toBe('IMP-NLD-EXA-SWA-10');
    expect(formatTodoKey('IMP-NLD-EXA-SWA', 1234)).toBe('IMP-NLD-EXA-SWA-1234');
  });
});

describe('parseNewTodo', () => {
  it('adds the order id and the LRN as tags without duplicating them', () => {
    const errors = new FieldErrors();
    const f = parseNewTodo(
      {
        todoType: 'task',
        title: 't',
        description: 'd',
        orderId: 'SO 777',
        lrn: 'L1',
        tags: ['SO 777', ' x ', ''],
      },
      errors,
    );
    expect(errors.list).toEqual([]);
    expect(f.tags).toEqual(['SO 777', 'x', 'L1']);
  });

  it('treats "" as none for optional lists and dates', () => {
    const errors = new FieldErrors();
    const f = parseNewTodo(
      { todoType: 'INCIDENT', title: 't', description: 'd', category: '', reminderDate: '' },
      errors,
    );
    expect(errors.list).toEqual([]);
    expect(f.category).toEqual([]);
    expect(f.reminderDate).toBeNull();
  });
});
