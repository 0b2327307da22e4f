import type { Actor } from '../../platform/context.ts';

/** Human-readable actor for the audit trail: survives renames and deletions. */
export function actorLabel(actor: Actor): string {
  if (actor.kind === 'client') return `client:${actor.clientId}`;
  if (actor.kind === 'endpoint') return `endpoint:${actor.endpointName ?? actor.endpointId}`;
  return actor.clientId
    ? `user:${actor.userEmail} via client:${actor.clientId}`
    : `user:${actor.userEmail}`;
}

export function canUseWorkspace(actor: Actor, workspaceId: number): boolean {
  return actor.workspaceIds === null || actor.workspaceIds.has(workspaceId);
}

export const SCOPES = ['todo:read', 'todo:write', 'admin'] as const;
