import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AMOUNT_PATTERN,
  EMAIL_MAX_LENGTH,
  formatCents,
  isEmail,
  normalizeKey,
  parseAmountCents,
} from './rules.ts';

describe('isEmail', () => {
  it('takes an address with a dotted domain', () => {
    expect(isEmail('ann@example.com')).toBe(true);
    expect(isEmail('a.b+c@mail.example.co.uk')).toBe(true);
  });

  it('refuses spaces, a second @, a domain without a dot or an empty label', () => {
    for (const bad of ['', 'ann', 'ann@', '@example.com', 'ann@localhost', 'a n@example.com']) {
      expect(isEmail(bad), bad).toBe(false);
    }
    expect(isEmail('ann@ex@ample.com')).toBe(false);
    expect(isEmail('ann@example..com')).toBe(false);
    expect(isEmail('ann@.example.com')).toBe(false);
  });

  it(`refuses more than ${EMAIL_MAX_LENGTH} characters`, () => {
    const at = (n: number) => `${'a'.repeat(n - '@example.com'.length)}@example.com`;
    expect(isEmail(at(EMAIL_MAX_LENGTH))).toBe(true);
    expect(isEmail(at(EMAIL_MAX_LENGTH + 1))).toBe(false);
  });
});

describe('amounts', () => {
  it('round-trips every cent amount exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999_999 }), (cents) => {
        expect(parseAmountCents(formatCents(cents))).toBe(cents);
      }),
    );
  });

  it('parses numbers the way they are written, not through float arithmetic', () => {
    expect(parseAmountCents(0.29)).toBe(29);
    expect(parseAmountCents('007.5')).toBe(750);
    expect(parseAmountCents('+12')).toBe(1200);
    expect(parseAmountCents('12.')).toBe(1200);
    expect(parseAmountCents(' 3.10 ')).toBe(310);
  });

  it('says what is wrong with what is not an amount', () => {
    expect(parseAmountCents(-1)).toBe('must not be negative');
    expect(parseAmountCents(Number.NaN)).toBe('must be a finite number');
    expect(parseAmountCents('1,5')).toBe(
      'use a dot as decimal separator and no thousands separators, e.g. 1234.50',
    );
    expect(parseAmountCents('abc')).toBe('must be an amount in EUR, e.g. 1234.50');
    expect(parseAmountCents('1.005')).toBe(
      'must not have more than 2 decimals (amounts are exact to the cent)',
    );
    expect(parseAmountCents('10000000000000')).toBe('must be below 10^13 EUR');
  });

  it('formats cents with two decimals, from a number or a BigInt sum', () => {
    expect(formatCents(0)).toBe('0.00');
    expect(formatCents(123450)).toBe('1234.50');
    expect(formatCents(5n)).toBe('0.05');
    expect(formatCents(123_456_789_012_345_678n)).toBe('1234567890123456.78');
  });

  it('publishes a pattern that refuses nothing the parser would refuse', () => {
    const pattern = new RegExp(AMOUNT_PATTERN);
    expect(pattern.test('12.')).toBe(true);
    expect(pattern.test(' +1234.5 ')).toBe(true);
    expect(pattern.test('1,5')).toBe(false);
    expect(pattern.test('1.005')).toBe(false);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789.+-, e') }), (s) => {
        if (pattern.test(s)) expect(typeof parseAmountCents(s), s).toBe('number');
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999_999 }), (cents) => {
        expect(pattern.test(formatCents(cents))).toBe(true);
      }),
    );
  });
});

describe('normalizeKey', () => {
  it('trims and upper-cases', () => {
    expect(normalizeKey('  ops-hr ')).toBe('OPS-HR');
    expect(normalizeKey('OPS')).toBe('OPS');
  });
});
