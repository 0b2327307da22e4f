import { describe, expect, it } from 'vitest';
import { checkValue, checkValues, isDate } from '../src/index.ts';
import { contract, rule } from './fixture.ts';

describe('checkValue', () => {
  it('takes the amount pattern the contract publishes, "12." included as the server does', () => {
    const amount = rule('financialImpact');
    for (const ok of ['12', '12.', '12.5', '1250.50', '+3', ' 7.25 ', '9999999999999.99'])
      expect(checkValue(amount, ok), ok).toBeUndefined();
    for (const bad of ['12.345', '1,50', '-1', 'ten', '10000000000000'])
      expect(checkValue(amount, bad), bad).toEqual({ code: 'pattern' });
  });

  it('says a required field is missing when empty or blank, and a yes/no never is', () => {
    expect(checkValue(rule('title'), '  ')).toEqual({ code: 'required' });
    expect(checkValue(rule('title'), undefined)).toEqual({ code: 'required' });
    expect(checkValue(rule('assignee'), '')).toBeUndefined();
    expect(checkValue({ ...rule('customFields.Sealed'), required: true }, false)).toBeUndefined();
    expect(checkValue(rule('customFields.Docks'), [])).toBeUndefined();
  });

  it('checks e-mail addresses by the server’s rule', () => {
    expect(checkValue(rule('reporter'), 'ann@example.com')).toBeUndefined();
    for (const bad of ['ann', 'ann@example', 'ann@.com', 'a b@example.com', 'ann@example..com'])
      expect(checkValue(rule('reporter'), bad), bad).toEqual({ code: 'email' });
  });

  it('checks dates as real calendar days', () => {
    expect(checkValue(rule('reminderDate'), '2024-02-29')).toBeUndefined();
    expect(checkValue(rule('reminderDate'), '2023-02-29')).toEqual({ code: 'date' });
    expect(checkValue(rule('reminderDate'), '1/2/2024')).toEqual({ code: 'date' });
    expect(isDate('2026-12-31')).toBe(true);
    expect(isDate('2026-13-01')).toBe(false);
  });

  it('checks lengths by characters and list sizes', () => {
    expect(checkValue(rule('title'), 'éééééééééé')).toBeUndefined();
    expect(checkValue(rule('title'), '12345678901')).toEqual({ code: 'tooLong', limit: 10 });
    expect(checkValue(rule('category'), 'a, b, c')).toEqual({ code: 'tooMany', limit: 2 });
    expect(checkValue(rule('category'), 'a, toolong')).toEqual({ code: 'tooLong', limit: 5 });
  });

  it('checks options and numbers', () => {
    expect(checkValue(rule('impact'), 'HIGH')).toBeUndefined();
    expect(checkValue(rule('impact'), 'SEVERE')).toEqual({ code: 'enum' });
    expect(checkValue(rule('todoType'), 'INCIDENT')).toBeUndefined();
    expect(checkValue(rule('todoType'), 'TASK')).toEqual({ code: 'enum' });
    expect(checkValue(rule('customFields.Pallets'), '12')).toBeUndefined();
    expect(checkValue(rule('customFields.Pallets'), '1.5')).toEqual({ code: 'integer' });
    expect(checkValue(rule('customFields.Pallets'), 'many')).toEqual({ code: 'integer' });
    expect(checkValue(rule('customFields.Weight'), '2,5')).toBeUndefined();
    expect(checkValue(rule('customFields.Weight'), 'heavy')).toEqual({ code: 'number' });
    expect(checkValue(rule('customFields.Docks'), ['1', '3'])).toBeUndefined();
    expect(checkValue(rule('customFields.Docks'), ['4'])).toEqual({ code: 'enum' });
  });
});

describe('checkValues', () => {
  it('returns the problems by field key, only for the fields asked about', () => {
    const values = {
      todoType: 'INCIDENT',
      title: '',
      description: 'Seal broken',
      reporter: 'ann',
      financialImpact: '12.345',
      'customFields.Gate': '',
    };
    expect(checkValues(contract, values)).toEqual({
      title: { code: 'required' },
      reporter: { code: 'email' },
      financialImpact: { code: 'pattern' },
      'customFields.Gate': { code: 'required' },
    });
    expect(checkValues(contract, values, { keys: ['description', 'reporter'] })).toEqual({
      reporter: { code: 'email' },
    });
  });

  it('finds nothing wrong in a complete form', () => {
    const values = {
      title: 'Seal',
      description: 'Seal broken',
      reporter: 'ann@example.com',
      'customFields.Gate': 'A',
    };
    expect(checkValues(contract, values, { keys: Object.keys(values) })).toEqual({});
  });
});
