import { checkValue, problemMessage, readContract } from '@bzctrl/form-contract';
import { describe, expect, it } from 'vitest';
import { plainSchemaMessage } from '../src/platform/http/schema-messages.ts';
import { emailProblem } from '../src/platform/values/rules.ts';

// The web app and the widget check before sending, the server after: a person must read
// the same sentence whichever of them found the problem.
describe('the form contract and the server word a problem alike', () => {
  const contract = readContract({
    properties: {
      email: { type: 'string', format: 'email' },
      title: { type: 'string', maxLength: 5 },
      day: { type: 'string', format: 'date' },
      count: { type: 'integer' },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
    },
    required: ['title'],
  });
  const said = (key: string, value: unknown) => {
    const rule = contract.fields.find((f) => f.key === key);
    if (!rule) throw new Error(key);
    const problem = checkValue(rule, value as never);
    return problem && problemMessage(problem, value);
  };

  it('for e-mail addresses, a domain without an ending among them', () => {
    for (const bad of ['gate.clerk@example', 'gate.clerk', 'a b@example.com', '@example.com'])
      expect(said('email', bad), bad).toBe(emailProblem(bad));
    expect(said('email', 'gate.clerk@example.com')).toBeUndefined();
    expect(emailProblem('gate.clerk@example.com')).toBeUndefined();
  });

  it('for a missing value, a length, a date, a whole number and a list', () => {
    expect(said('title', '')).toBe(
      plainSchemaMessage({ keyword: 'minLength', params: { limit: 1 } }),
    );
    expect(said('title', 'toolong')).toBe(
      plainSchemaMessage({ keyword: 'maxLength', params: { limit: 5 } }),
    );
    expect(said('day', '31.12.2026')).toBe(
      plainSchemaMessage({ keyword: 'format', params: { format: 'date' } }),
    );
    expect(said('count', '1.5')).toBe(
      plainSchemaMessage({ keyword: 'type', params: { type: 'integer' } }),
    );
    expect(said('tags', 'a, b, c')).toBe(
      plainSchemaMessage({ keyword: 'maxItems', params: { limit: 2 } }),
    );
  });
});
