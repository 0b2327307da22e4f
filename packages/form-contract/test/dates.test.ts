import { describe, expect, it } from 'vitest';
import { isPastDate, localDay } from '../src/index.ts';

const DAY = 24 * 60 * 60 * 1000;
/** The calendar day `days` away from `now` where the test runs (any time zone). */
const dayFrom = (now: Date, days: number) => {
  const d = new Date(now);
  d.setDate(d.getDate() + days);
  return localDay(d);
};

describe('isPastDate', () => {
  const now = new Date();

  it('warns for a day before today, a year back included', () => {
    expect(isPastDate(dayFrom(now, -1), now)).toBe(true);
    expect(isPastDate(dayFrom(now, -365), now)).toBe(true);
  });

  it('takes today and later days without a word', () => {
    expect(isPastDate(dayFrom(now, 0), now)).toBe(false);
    expect(isPastDate(dayFrom(now, 1), now)).toBe(false);
    expect(isPastDate(dayFrom(now, 400), now)).toBe(false);
  });

  it('reads the day where the user is, also one minute before and after midnight', () => {
    const lateEvening = new Date(now);
    lateEvening.setHours(23, 59, 0, 0);
    expect(isPastDate(localDay(lateEvening), lateEvening)).toBe(false);
    const justAfter = new Date(lateEvening.getTime() + 2 * 60 * 1000);
    expect(isPastDate(localDay(lateEvening), justAfter)).toBe(true);
  });

  it('leaves empty and malformed values to the field check', () => {
    for (const v of ['', null, undefined, '2024-02-30', 'yesterday'])
      expect(isPastDate(v, new Date(now.getTime() + 3 * DAY)), String(v)).toBe(false);
  });
});
