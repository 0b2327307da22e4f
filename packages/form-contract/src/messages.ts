import { checkValue, type Problem } from './check.ts';

/**
 * A problem at a field in plain English, in the very words the server uses in its
 * problem details' `errors[].message` (apps/server/src/platform/http/schema-messages.ts
 * and `emailProblem` in platform/values/rules.ts), so a message reads the same whether
 * the form or the server found it. Clients in other languages word `Problem` themselves.
 */
type Worded = Exclude<Problem['code'], 'tooLong' | 'tooMany'> | 'emailNoEnding' | 'amount';

export const MESSAGES: Readonly<Record<Worded, string>> = {
  required: 'Fill this in.',
  email: 'Enter an e-mail address, like name@example.com.',
  emailNoEnding:
    'The domain has no ending such as .com: enter the full address, like name@example.com.',
  date: 'Enter a date as YYYY-MM-DD.',
  integer: 'Enter a whole number.',
  number: 'Enter a number.',
  enum: 'Choose one of the options.',
  pattern: 'This is not in the form this field takes.',
  /** The EUR amount's pattern, said as an amount. */
  amount: 'Enter an amount in euro, e.g. 1250.50 (at most 2 decimals).',
};

/** `name@example`: an address whose domain has no ending, the commonest slip. */
export function lacksDomainEnding(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const text = value.trim();
  const at = text.indexOf('@');
  const domain = text.slice(at + 1);
  return at > 0 && !/\s/.test(text) && domain !== '' && !/[@.]/.test(domain);
}

/** A problem in plain words; `value` is the value that has it (an e-mail's words depend on it). */
export function problemMessage(problem: Problem, value?: unknown): string {
  switch (problem.code) {
    case 'tooLong':
      return `Use at most ${problem.limit} characters.`;
    case 'tooMany':
      return `Give at most ${problem.limit}.`;
    case 'email':
      return lacksDomainEnding(value) ? MESSAGES.emailNoEnding : MESSAGES.email;
    default:
      return MESSAGES[problem.code];
  }
}

/**
 * Near a text's limit (from 80% of it) a counter, "240 / 300 characters"; past it, by how
 * much it is too long, so a pasted text is kept whole and the person shortens it.
 */
export function lengthNote(
  value: string,
  max: number | undefined,
): { counter?: string; warning?: string; length: number } {
  const length = [...value].length;
  if (max === undefined || length < Math.floor(max * 0.8)) return { length };
  const counter = `${length} / ${max} characters`;
  if (length <= max) return { counter, length };
  return {
    counter,
    warning: `Too long by ${length - max} characters: shorten it to ${max}.`,
    length,
  };
}

/**
 * A field error from the server as a sentence at its field: the server names a missing
 * field "is required" and some of its own checks in a fragment that follows the field's
 * name ("must not contain control characters"); at the field they read as sentences.
 */
export function atField(message: string): string {
  const text = message.trim();
  if (text === 'is required') return MESSAGES.required;
  if (text === '') return text;
  const sentence = `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** What is wrong with an e-mail address as typed (nothing when it is one), in the server's words. */
export function checkEmail(value: string): string | undefined {
  const text = value.trim();
  if (text === '') return MESSAGES.required;
  const problem = checkValue(
    { key: 'email', name: 'email', custom: false, type: 'string', required: true, format: 'email' },
    text,
  );
  return problem && problemMessage(problem, text);
}
