import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The files of the server that call `name(`, relative to src/. */
function callers(name: string): string[] {
  const call = new RegExp(`\\b${name}\\(`);
  return sources(SRC)
    .filter((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .some((l) => call.test(l) && !/^\s*(\*|\/\/)/.test(l) && !/function /.test(l)),
    )
    .map((f) => relative(SRC, f))
    .sort();
}

describe('recordTodoChange is the one place a todo change records itself', () => {
  it('writes every audit event of a todo; the others are admin entities, exposed endpoints and webhooks', () => {
    expect(callers('insertAuditEvent')).toEqual([
      'core/audit/admin-change.ts',
      'core/exposed/exposed.service.ts',
      'core/todos/todo-change.ts',
      'core/webhooks/webhooks.service.ts',
    ]);
    expect(readFileSync(join(SRC, 'core/exposed/exposed.service.ts'), 'utf8')).toMatch(
      /entityType: 'exposedEndpoint'/,
    );
    expect(readFileSync(join(SRC, 'core/webhooks/webhooks.service.ts'), 'utf8')).toMatch(
      /entityType: 'webhook'/,
    );
  });

  it('queues every mail a todo change sends; the other is the mail about a disabled webhook', () => {
    expect(callers('enqueueMails')).toEqual([
      'core/todos/todo-change.ts',
      'core/webhooks/webhooks.delivery.ts',
    ]);
    expect(readFileSync(join(SRC, 'core/webhooks/webhooks.delivery.ts'), 'utf8')).toMatch(
      /kind: 'webhook-disabled'/,
    );
  });

  it('writes every event of the change feed and the webhooks (SPEC §8)', () => {
    expect(callers('insertEvent')).toEqual(['core/todos/todo-change.ts']);
    expect(callers('insertAuditAndEvents')).toEqual(['core/todos/todo-change.ts']);
  });
});
