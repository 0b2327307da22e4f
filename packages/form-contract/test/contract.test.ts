import { describe, expect, it } from 'vitest';
import { customFields, fieldOf, readContract } from '../src/index.ts';
import { CONTRACT } from './fixture.ts';

describe('readContract', () => {
  const contract = readContract(CONTRACT);

  it('lists the body fields in order, then the custom fields under customFields.<name>', () => {
    expect(contract.fields.map((f) => f.key)).toEqual([
      'todoType',
      'workspace',
      'title',
      'description',
      'financialImpact',
      'impact',
      'status',
      'reporter',
      'assignee',
      'category',
      'reminderDate',
      'customFields.Gate',
      'customFields.Pallets',
      'customFields.Weight',
      'customFields.Sealed',
      'customFields.Docks',
      'customFields.Notes',
    ]);
    expect(customFields(contract).map((f) => f.name)).toEqual([
      'Gate',
      'Pallets',
      'Weight',
      'Sealed',
      'Docks',
      'Notes',
    ]);
  });

  it('reads required, enums, patterns, formats, limits, defaults and annotations', () => {
    expect(fieldOf(contract, 'title')).toMatchObject({
      required: true,
      maxLength: 10,
      pattern: '\\S',
    });
    expect(fieldOf(contract, 'assignee')).toMatchObject({ required: false, format: 'email' });
    expect(fieldOf(contract, 'impact')?.enum).toEqual(['LOW', 'MEDIUM', 'HIGH']);
    expect(fieldOf(contract, 'status')?.default).toBe('INPROGRESS');
    expect(fieldOf(contract, 'reporter')?.users).toEqual(['ann@example.com', 'bob@example.com']);
    expect(fieldOf(contract, 'financialImpact')).toMatchObject({
      type: 'string',
      pattern: '^\\s*\\+?\\d{1,13}(\\.\\d{0,2})?\\s*$',
    });
    expect(fieldOf(contract, 'category')).toMatchObject({
      type: 'array',
      itemType: 'string',
      maxItems: 2,
      maxLength: 5,
    });
    expect(fieldOf(contract, 'customFields.Gate')).toMatchObject({
      custom: true,
      name: 'Gate',
      required: true,
      enum: ['A', 'B'],
      fieldType: 1,
    });
    expect(fieldOf(contract, 'customFields.Docks')).toMatchObject({
      type: 'array',
      itemType: 'integer',
      enum: ['1', '2', '3'],
      required: false,
    });
    expect(contract.workspace?.name).toBe('Inbound Control');
    expect(contract.hasCustomFields).toBe(true);
    expect(contract.requiresCustomFields).toBe(true);
  });

  it('reads anything that is not a schema as a contract without fields', () => {
    for (const input of [undefined, null, 'form', 42]) {
      expect(readContract(input)).toEqual({
        fields: [],
        hasCustomFields: false,
        requiresCustomFields: false,
      });
    }
  });
});
