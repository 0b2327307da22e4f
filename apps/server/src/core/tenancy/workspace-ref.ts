import type { Ctx } from '../../platform/context.ts';
import { type FieldErrors, validationError } from '../../platform/errors.ts';
import { normalizeKey } from '../../platform/values/rules.ts';
import {
  findWorkspaceById,
  findWorkspaceByKey,
  findWorkspaceIdsByKeys,
  findWorkspacesByCodeOrName,
  type WorkspaceWithDomain,
} from './workspaces.repository.ts';

/** How a request names its workspace (SPEC §3), with the wire field it came from. */
export type WorkspaceRef =
  | { by: 'key'; key: string; field: string }
  | { by: 'domain'; domain: string; code: string | null; field: string }
  | { by: 'codeOrName'; value: string; field: string }
  | { by: 'default'; field: string };

/**
 * Finds the workspace a request means among those the caller may use. A workspace that
 * exists but is not the caller's is reported exactly like one that does not exist.
 */
export async function resolveWorkspace(
  ctx: Ctx,
  ref: WorkspaceRef,
  errors: FieldErrors,
): Promise<WorkspaceWithDomain | undefined> {
  const db = ctx.db.kysely;
  const allowed = ctx.actor.workspaceIds;
  switch (ref.by) {
    case 'key': {
      const ws = await findWorkspaceByKey(db, normalizeKey(ref.key), allowed);
      if (!ws) errors.add(ref.field, `unknown workspace "${ref.key}" (or not one you may use)`);
      return ws;
    }
    case 'domain': {
      const domain = normalizeKey(ref.domain);
      const code = (ref.code && normalizeKey(ref.code)) || null;
      // `domain` may be the domain code or already the workspace key (seed 000 sends both).
      let ws = await findWorkspaceByKey(db, domain, allowed);
      if (ws && code !== null && ws.code !== code && ws.name.toUpperCase() !== code) {
        errors.add(
          'workspace',
          `"${ref.code}" does not match the workspace ${ws.key} named in domain`,
        );
        return undefined;
      }
      if (!ws && code !== null) ws = await findWorkspaceByKey(db, `${domain}-${code}`, allowed);
      if (!ws) {
        const named = code === null ? domain : `${domain}-${code}`;
        errors.add(ref.field, `unknown workspace "${named}" (or not one you may use)`);
      }
      return ws;
    }
    case 'codeOrName': {
      const hits = await findWorkspacesByCodeOrName(db, ref.value.trim(), allowed);
      if (hits.length === 1) return hits[0];
      if (hits.length === 0) {
        errors.add(ref.field, `unknown workspace "${ref.value}" (or not one you may use)`);
      } else {
        errors.add(
          ref.field,
          `"${ref.value}" matches several workspaces (${hits.map((w) => w.key).join(', ')}); send domainWorkSpace with the full key`,
        );
      }
      return undefined;
    }
    case 'default': {
      const { defaultWorkspaceId, workspaceIds } = ctx.actor;
      const id =
        defaultWorkspaceId !== null &&
        (workspaceIds === null || workspaceIds.has(defaultWorkspaceId))
          ? defaultWorkspaceId
          : workspaceIds?.size === 1
            ? [...workspaceIds][0]
            : undefined;
      const ws = id === undefined ? undefined : await findWorkspaceById(db, id);
      if (!ws) errors.add(ref.field, 'is required: name the workspace (e.g. IMP-NLD-EXA-SWA)');
      return ws;
    }
  }
}

/**
 * The workspaces a query names by key (`?workspace=` of the list and the dashboard) among
 * those the caller may use. Each one it may not use is named in the same 404 as one that
 * does not exist.
 */
export async function workspacesByKeys(
  ctx: Ctx,
  keys: string[],
): Promise<Array<{ id: number; key: string }>> {
  const wanted = [...new Set(keys.map(normalizeKey))];
  const found = await findWorkspaceIdsByKeys(ctx.db.kysely, wanted, ctx.actor.workspaceIds);
  const missing = wanted.filter((k) => !found.some((w) => w.key === k));
  if (missing.length > 0) {
    throw validationError(
      missing.map((k) => ({ field: 'workspace', message: `no workspace ${k}` })),
      'workspace_not_found',
    );
  }
  return found;
}
