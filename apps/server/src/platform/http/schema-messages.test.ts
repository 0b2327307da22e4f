import Fastify from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailProblem } from '../values/rules.ts';
import { useProblemDetails } from './problem.ts';
import { plainSchemaMessage } from './schema-messages.ts';

// The schema errors a client receives, through Fastify's own validator (as the app sets it).
const app = Fastify({ ajv: { customOptions: { allErrors: true, removeAdditional: false } } });
useProblemDetails(app);
app.post(
  '/check',
  {
    schema: {
      body: Type.Object(
        {
          password: Type.Optional(Type.String({ minLength: 8, maxLength: 20 })),
          name: Type.Optional(Type.String({ minLength: 1 })),
          role: Type.Optional(Type.Enum(['admin', 'member'])),
          count: Type.Optional(Type.Integer({ minimum: 1 })),
          note: Type.Optional(Type.Union([Type.String({ maxLength: 5 }), Type.Null()])),
          ref: Type.Optional(
            Type.Union([
              Type.Object({ id: Type.String() }, { additionalProperties: false }),
              Type.Null(),
            ]),
          ),
          list: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 2 })),
          day: Type.Optional(Type.String({ format: 'date' })),
          title: Type.String(),
        },
        { additionalProperties: false },
      ),
    },
  },
  async () => ({ ok: true }),
);

async function errorsOf(body: unknown) {
  const res = await app.inject({ method: 'POST', url: '/check', payload: body as object });
  expect(res.statusCode).toBe(400);
  return res.json().errors as { field: string; message: string }[];
}

beforeAll(() => app.ready());
afterAll(() => app.close());

describe('schema errors in plain words', () => {
  it('says lengths, options, numbers, dates and lists as sentences, never schema text', async () => {
    const errors = await errorsOf({
      title: 'x',
      password: 'short',
      name: '',
      role: 'boss',
      count: 0,
      list: [],
      day: '31.12.2026',
    });
    expect(errors).toEqual([
      { field: 'password', message: 'Use at least 8 characters.' },
      { field: 'name', message: 'Fill this in.' },
      { field: 'role', message: 'Choose one of: admin, member.' },
      { field: 'count', message: 'Enter 1 or more.' },
      { field: 'list', message: 'Give at least one.' },
      { field: 'day', message: 'Enter a date as YYYY-MM-DD.' },
    ]);
    expect(JSON.stringify(errors)).not.toMatch(/must|NOT|fewer/);
  });

  it('names a missing and an unknown field, and a wrong type', async () => {
    expect(await errorsOf({ extra: 1, count: 1.5, password: 'x'.repeat(21) })).toEqual([
      { field: 'title', message: 'is required' },
      { field: 'extra', message: 'is not a field this request takes' },
      { field: 'password', message: 'Use at most 20 characters.' },
      { field: 'count', message: 'Enter a whole number.' },
    ]);
  });

  it('says a union once: its kinds together, or the rule a fitting value broke', async () => {
    expect(await errorsOf({ title: 't', note: {} })).toEqual([
      { field: 'note', message: 'Enter text or null (for none).' },
    ]);
    expect(await errorsOf({ title: 't', note: 'too long' })).toEqual([
      { field: 'note', message: 'Use at most 5 characters.' },
    ]);
    expect(await errorsOf({ title: 't', ref: { id: {} } })).toEqual([
      { field: 'ref.id', message: 'Enter text.' },
    ]);
    expect(await errorsOf({ title: 't', list: ['a', 'b', 'c'] })).toEqual([
      { field: 'list', message: 'Give at most 2.' },
    ]);
  });

  it('words an unknown keyword as a sentence of its own message', () => {
    expect(plainSchemaMessage({ keyword: 'dependentRequired', message: 'must have x' })).toBe(
      'Must have x.',
    );
  });
});

describe('emailProblem', () => {
  it('says what is missing from an address, and nothing for a good one', () => {
    expect(emailProblem('gate.clerk@example.com')).toBeUndefined();
    expect(emailProblem('gate.clerk@example')).toBe(
      'The domain has no ending such as .com: enter the full address, like name@example.com.',
    );
    expect(emailProblem('gate.clerk')).toBe('Enter an e-mail address, like name@example.com.');
    expect(emailProblem('a b@example.com')).toBe('Enter an e-mail address, like name@example.com.');
  });
});
