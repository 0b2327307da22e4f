import { describe, expect, it } from 'vitest';
import { createBody, patchBody, readContract, splitList, toApiValue } from '../src/index.ts';
import { CONTRACT, contract, rule } from './fixture.ts';

describe('toApiValue', () => {
  it('types values as the contract asks and leaves empty ones out', () => {
    expect(toApiValue(rule('title'), '  Seal  ')).toBe('Seal');
    expect(toApiValue(rule('title'), '   ')).toBeUndefined();
    expect(toApiValue(rule('financialImpact'), ' 12. ')).toBe('12.');
    expect(toApiValue(rule('category'), 'a, ,b')).toEqual(['a', 'b']);
    expect(toApiValue(rule('category'), ' , ')).toBeUndefined();
    expect(toApiValue(rule('customFields.Pallets'), '12')).toBe(12);
    expect(toApiValue(rule('customFields.Weight'), '2,5')).toBe(2.5);
    expect(toApiValue(rule('customFields.Docks'), ['1', '3'])).toEqual([1, 3]);
    expect(toApiValue(rule('customFields.Sealed'), false)).toBe(false);
    expect(toApiValue(rule('customFields.Sealed'), undefined)).toBeUndefined();
    expect(splitList('x,y , z')).toEqual(['x', 'y', 'z']);
  });
});

describe('createBody', () => {
  it('sends filled-in fields typed, custom fields under customFields', () => {
    const body = createBody(contract, {
      title: ' Seal ',
      description: 'Seal broken',
      assignee: '',
      category: 'dock, seal',
      financialImpact: '1250.50',
      'customFields.Gate': 'B',
      'customFields.Pallets': '4',
      'customFields.Sealed': true,
      'customFields.Notes': '  ',
    });
    expect(body).toEqual({
      title: 'Seal',
      description: 'Seal broken',
      category: ['dock', 'seal'],
      financialImpact: '1250.50',
      customFields: { Gate: 'B', Pallets: 4, Sealed: true },
    });
  });

  it('sends only the fields asked for, and customFields even empty when the contract requires it', () => {
    expect(
      createBody(contract, { title: 'Seal', financialImpact: '3' }, { keys: ['title'] }),
    ).toEqual({ title: 'Seal', customFields: {} });
    const optional = readContract({
      ...CONTRACT,
      required: ['title'],
    });
    expect(createBody(optional, { title: 'Seal' })).toEqual({ title: 'Seal' });
  });
});

describe('patchBody', () => {
  const before = {
    title: 'Seal',
    description: 'Seal broken',
    assignee: 'bob@example.com',
    category: 'dock, seal',
    'customFields.Gate': 'A',
    'customFields.Pallets': '4',
  };

  it('sends nothing when nothing changed, spaces and list spacing included', () => {
    expect(
      patchBody(contract, before, { ...before, title: ' Seal ', category: 'dock,seal' }),
    ).toEqual({});
  });

  it('sends what changed; a cleared optional field as null, a list as [], a custom field as null', () => {
    const after = {
      ...before,
      description: 'Seal replaced',
      assignee: '',
      category: '',
      'customFields.Pallets': '',
      'customFields.Gate': 'B',
    };
    expect(patchBody(contract, before, after)).toEqual({
      description: 'Seal replaced',
      assignee: null,
      category: [],
      customFields: { Pallets: null, Gate: 'B' },
    });
  });

  it('sends a cleared required field as empty text, which the server refuses by name', () => {
    expect(patchBody(contract, before, { ...before, title: '' })).toEqual({ title: '' });
  });

  it('looks only at the fields asked for', () => {
    const after = { ...before, title: 'Other', description: 'Other' };
    expect(patchBody(contract, before, after, { keys: ['title'] })).toEqual({ title: 'Other' });
  });
});
