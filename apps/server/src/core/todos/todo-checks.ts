import type { Executor } from '../../platform/db/executor.ts';
import type { UserRow } from '../../platform/db/tables.ts';
import { isUniqueViolation } from '../../platform/db/violations.ts';
import {
  AppError,
  type FieldError,
  type FieldErrors,
  validationError,
} from '../../platform/errors.ts';
import { findActiveUsersWithAccess } from '../access/people-with-access.ts';
import { noActiveUserWithAccess } from '../access/users.repository.ts';

/**
 * The users named in a request: each must be active and (once the workspace is known)
 * have access to it. Problems are added to `errors` under each one's field.
 */
export async function checkPeople(
  db: Executor,
  ws: { id: number; key: string } | undefined,
  errors: FieldErrors,
  wanted: { field: string; email: string | null }[],
): Promise<Map<string, UserRow>> {
  const ok = new Map<string, UserRow>();
  // Nobody is judged without a workspace: the workspace's own error says what is wrong.
  if (!ws) return ok;
  const emails = [...new Set(wanted.flatMap((w) => (w.email === null ? [] : [w.email])))];
  const users = await findActiveUsersWithAccess(db, emails, ws.id);
  for (const { field, email } of wanted) {
    if (email === null) continue;
    const user = users.get(email);
    if (user) ok.set(email, user);
    else errors.add(field, noActiveUserWithAccess(email, ws.key));
  }
  return ok;
}

/** `where`: the workspace, as the message names it. */
export function externalRefTaken(where: string): AppError {
  return new AppError(
    'conflict',
    `externalRef: another todo in ${where} already has this external reference`,
    [{ field: 'externalRef', message: 'is already used by another todo in this workspace' }],
  );
}

/** A unique violation of `todos_external_ref_uq`, as PostgreSQL or SQLite reports it. */
export function isExternalRefConflict(err: unknown): boolean {
  return isUniqueViolation(err, { name: 'todos_external_ref_uq', column: 'external_system' });
}

export function fieldError(
  list: FieldError[],
  names: Partial<Record<string, string>> | undefined,
  workspaceNotFound: boolean,
): AppError {
  const errors = list.map((e) => ({ ...e, field: names?.[e.field] ?? e.field }));
  return validationError(errors, workspaceNotFound ? 'workspace_not_found' : 'validation_failed');
}
