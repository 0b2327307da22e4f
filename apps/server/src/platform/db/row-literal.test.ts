import { describe, expect, it } from 'vitest';
import { rowLiteral } from './row-literal.ts';

const same = (v: unknown) => v;

describe('rowLiteral', () => {
  it('makes rows from arrays and from objects under new names, through the value function', () => {
    const fromArray = rowLiteral<unknown[]>(['id', 'createdAt'], [0, 1]);
    expect(fromArray([7, '2026-12-03'], same)).toEqual({ id: 7, createdAt: '2026-12-03' });
    const fromObject = rowLiteral<Record<string, unknown>>(['todoId', 'tag'], ['todo_id', 'tag']);
    expect(
      fromObject({ todo_id: 3, tag: 'x' }, (v) => (typeof v === 'number' ? v * 2 : v)),
    ).toEqual({
      todoId: 6,
      tag: 'x',
    });
    expect(Object.keys(fromArray([1, 2], same))).toEqual(['id', 'createdAt']);
  });

  it('keeps the last value of a name given twice, as assigning key by key does', () => {
    expect(rowLiteral<unknown[]>(['id', 'id'], [0, 1])([1, 2], same)).toEqual({ id: 2 });
  });

  it('treats any column name as a plain name: quotes, code, and __proto__ as an own property', () => {
    const names = ['a"b', "c'); process.exit(1); ('", '__proto__'];
    const row = rowLiteral<unknown[]>(names, [0, 1, 2])([1, 2, { polluted: true }], same);
    expect(Object.keys(row)).toEqual(names);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
