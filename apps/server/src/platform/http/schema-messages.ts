import { emailProblem } from '../values/rules.ts';

/** One schema validation issue as AJV reports it (the parts a message needs). */
export interface SchemaIssue {
  instancePath?: string;
  schemaPath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  /** The value that failed (with AJV's `verbose`); an e-mail's message depends on it. */
  data?: unknown;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null (for none)',
};

/** Types in words: `["string", "null"]` → "text or null (for none)". */
export function typesInWords(types: readonly string[]): string {
  const words = [...new Set(types.map((t) => TYPE_WORDS[t] ?? t))];
  return words.length <= 1
    ? (words[0] ?? 'a value')
    : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

const FORMAT_WORDS: Record<string, string> = {
  date: 'Enter a date as YYYY-MM-DD.',
  'date-time': 'Enter a date and time, like 2026-01-31T14:00:00Z.',
  time: 'Enter a time, like 14:00:00Z.',
  uri: 'Enter a full address, like https://example.com/path.',
  url: 'Enter a full address, like https://example.com/path.',
  uuid: 'Enter a UUID, like 0b9f3c52-6a41-4e8e-9d0a-1c2b3d4e5f60.',
};

/** Allowed values in words: "Choose one of: admin, member." */
export function choicesInWords(values: readonly unknown[]): string {
  return `Choose one of: ${values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}.`;
}

/**
 * A schema issue in a plain sentence a person can act on, the one wording every API
 * client receives in `errors[].message` (never AJV's "must NOT have fewer than 8
 * characters"). `required` and unknown properties are named by `fieldErrorsOf`.
 */
export function plainSchemaMessage(issue: SchemaIssue): string {
  const p = issue.params ?? {};
  const limit = typeof p.limit === 'number' ? p.limit : undefined;
  switch (issue.keyword) {
    case 'minLength':
      return limit === undefined || limit <= 1
        ? 'Fill this in.'
        : `Use at least ${plural(limit, 'character', 'characters')}.`;
    case 'maxLength':
      return `Use at most ${plural(limit ?? 0, 'character', 'characters')}.`;
    case 'minItems':
      return limit === undefined || limit <= 1 ? 'Give at least one.' : `Give at least ${limit}.`;
    case 'maxItems':
      return `Give at most ${limit}.`;
    case 'minProperties':
      return limit === undefined || limit <= 1
        ? 'Give at least one field.'
        : `Give at least ${limit} fields.`;
    case 'maxProperties':
      return `Give at most ${plural(limit ?? 0, 'field', 'fields')}.`;
    case 'minimum':
      return `Enter ${limit} or more.`;
    case 'maximum':
      return `Enter ${limit} or less.`;
    case 'exclusiveMinimum':
      return `Enter a number above ${limit}.`;
    case 'exclusiveMaximum':
      return `Enter a number below ${limit}.`;
    case 'multipleOf':
      return `Enter a multiple of ${p.multipleOf}.`;
    case 'uniqueItems':
      return 'Give each value once.';
    case 'enum':
      return Array.isArray(p.allowedValues)
        ? choicesInWords(p.allowedValues)
        : 'Choose one of the allowed values.';
    case 'const':
      return choicesInWords([p.allowedValue]);
    case 'type': {
      const types = Array.isArray(p.type) ? p.type : String(p.type ?? '').split(',');
      return `Enter ${typesInWords(types.map(String))}.`;
    }
    case 'format': {
      const format = String(p.format ?? '');
      if (format === 'email')
        return emailProblem(typeof issue.data === 'string' ? issue.data : '') ?? EMAIL_SENTENCE;
      return FORMAT_WORDS[format] ?? `Enter a value in the ${format} format.`;
    }
    case 'pattern':
      return 'This is not in the form this field takes.';
  }
  const raw = issue.message ?? 'is invalid';
  return `${raw.charAt(0).toUpperCase()}${raw.slice(1)}.`;
}

const EMAIL_SENTENCE = 'Enter an e-mail address, like name@example.com.';

/**
 * The messages of one field in one sentence (or several): a union's branches
 * ("Enter text." and "Enter null (for none).") become one "Enter text or null (for
 * none).", its allowed values one list.
 */
export function combineMessages(issues: readonly SchemaIssue[]): string {
  const types: string[] = [];
  const choices: unknown[] = [];
  const others: string[] = [];
  for (const i of issues) {
    const p = i.params ?? {};
    if (i.keyword === 'type')
      types.push(...(Array.isArray(p.type) ? p.type : String(p.type ?? '').split(',')));
    else if (i.keyword === 'const') choices.push(p.allowedValue);
    else if (i.keyword === 'enum' && Array.isArray(p.allowedValues))
      choices.push(...p.allowedValues);
    else {
      const m = plainSchemaMessage(i);
      if (!others.includes(m)) others.push(m);
    }
  }
  const out: string[] = [];
  if (choices.length > 0) out.push(choicesInWords([...new Set(choices)]));
  else if (types.length > 0) out.push(`Enter ${typesInWords(types.map(String))}.`);
  // A union with a kind of value that fits but breaks its rule: the rule is what to fix.
  if (others.length > 0 && (choices.length > 0 || types.length > 0) && issues.length > 1)
    return others.join(' ');
  return [...out, ...others].join(' ');
}
