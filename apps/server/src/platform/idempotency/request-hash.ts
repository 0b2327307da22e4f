import { createHash } from 'node:crypto';
import { MAX_BODY_DEPTH, nestedDeeperThan, tooDeep } from '../http/body-limits.ts';

/**
 * JSON with object keys sorted at every depth, so `{"a":1,"b":2}` and `{ "b": 2, "a": 1 }`
 * are the same text. Arrays keep their order: it means something. Recursive: callers
 * bound the depth first.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * What makes two requests "the same" for an Idempotency-Key: method, path, the parsed
 * query and the parsed body (so key order and whitespace do not count). A body nested
 * deeper than `MAX_BODY_DEPTH` is a 400 naming the body, checked without recursion, so no
 * body can overflow the stack here.
 *
 * @example requestHash('POST', '/api/task', {}, { title: 't' }) // 64 hex digits
 */
export function requestHash(method: string, path: string, query: unknown, body: unknown): string {
  // The query is flat (a query string parses to one level), the body may be anything.
  if (nestedDeeperThan(body, MAX_BODY_DEPTH)) throw tooDeep();
  return createHash('sha256').update(canonicalJson({ method, path, query, body })).digest('hex');
}
