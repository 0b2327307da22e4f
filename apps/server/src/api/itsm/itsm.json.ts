import { randomUUID } from 'node:crypto';
import { MAX_BODY_DEPTH, tooDeep } from '../../platform/http/body-limits.ts';

/**
 * JSON for the ITSM dialect that keeps 64-bit integers exact: a custom field of type
 * LONG may hold 9007199254740993, which JSON.parse and JSON.stringify would round
 * (Node 20's JSON.parse has no `context.source`).
 */

const DIGIT = /[0-9]/;
const NUMBER_CHAR = /[0-9.eE+-]/;

/**
 * Parses JSON text; an integer literal of more than 15 digits (outside strings) becomes
 * a string holding its exact digits. Keys named `__proto__` are refused, as Fastify's
 * own parser does, and so is nesting deeper than `MAX_BODY_DEPTH` (the reviver below
 * recurses, and would overflow the stack).
 */
export function parseJsonKeepingLongs(text: string): unknown {
  let out = '';
  let copied = 0;
  let inString = false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c === '{' || c === '[') {
      if (++depth > MAX_BODY_DEPTH) throw tooDeep();
      continue;
    }
    if (c === '}' || c === ']') depth--;
    if (c !== '-' && !DIGIT.test(c)) continue;
    let j = c === '-' ? i + 1 : i;
    while (j < text.length && DIGIT.test(text[j] as string)) j++;
    const digits = j - (c === '-' ? i + 1 : i);
    const next = text[j];
    if (digits > 15 && next !== '.' && next !== 'e' && next !== 'E') {
      out += `${text.slice(copied, i)}"${text.slice(i, j)}"`;
      copied = j;
    }
    while (j < text.length && NUMBER_CHAR.test(text[j] as string)) j++;
    i = j - 1;
  }
  return JSON.parse(out + text.slice(copied), (key, value) => {
    if (key === '__proto__') throw new SyntaxError('Object contains forbidden prototype property');
    return value;
  });
}

/** A 64-bit integer kept as its digits, written into JSON as a bare number. */
export class ExactLong {
  constructor(readonly digits: string) {}
  toJSON(): string {
    return `${MARK}${this.digits}`;
  }
}

const MARK = `long:${randomUUID()}:`;
const MARKED = new RegExp(`"${MARK}(-?\\d+)"`, 'g');

/** JSON.stringify, writing every ExactLong as a bare number with all its digits. */
export function stringifyWithLongs(value: unknown): string {
  return JSON.stringify(value).replace(MARKED, '$1');
}
