import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token of a shared link: `<todo id>.<generation>.<expiry>.<issued>.<signature>`, the
 * numbers in base 36 (expiry in seconds, issue time in milliseconds since the epoch) and
 * the signature an HMAC-SHA256 of everything before it, base64url. The token is the
 * link's only credential; nothing about it is stored. It stays under Fastify's 100
 * characters for a path parameter whatever the numbers.
 */
export interface LinkClaims {
  todoId: number;
  /** The todo's link generation when the link was made; revoking moves it on. */
  generation: number;
  /** When the link stops working, in seconds since the epoch. */
  expiresAt: number;
  /** When it was made, in milliseconds since the epoch (keeps two links apart). */
  issuedAt: number;
}

const PAYLOAD = /^([0-9a-z]{1,11})\.([0-9a-z]{1,7})\.([0-9a-z]{1,8})\.([0-9a-z]{1,9})$/;
const SIGNATURE_LENGTH = 43;

/**
 * The key links are signed with, derived from the server's secret for this one purpose,
 * so the same secret can sign something else later without a link ever passing for it.
 */
export function linkKey(serverSecret: Buffer): Buffer {
  return createHmac('sha256', serverSecret).update('bzctrl shared-link v1').digest();
}

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

/** A signed token for the claims. */
export function signLinkToken(key: Buffer, claims: LinkClaims): string {
  const payload = [claims.todoId, claims.generation, claims.expiresAt, claims.issuedAt]
    .map((n) => n.toString(36))
    .join('.');
  return `${payload}.${sign(key, payload)}`;
}

/**
 * The claims of a token signed with `key`, or undefined for anything else: malformed,
 * altered in any character, or signed with another key. Whether it has expired or been
 * revoked is the caller's to check. The signature is compared as text, in constant time,
 * so a signature that decodes to the same bytes but is written otherwise does not pass.
 */
export function verifyLinkToken(key: Buffer, token: string): LinkClaims | undefined {
  const cut = token.lastIndexOf('.');
  if (cut < 0) return undefined;
  const payload = token.slice(0, cut);
  const given = Buffer.from(token.slice(cut + 1), 'utf8');
  const m = PAYLOAD.exec(payload);
  if (!m || given.length !== SIGNATURE_LENGTH) return undefined;
  if (!timingSafeEqual(given, Buffer.from(sign(key, payload), 'utf8'))) return undefined;
  const [todoId, generation, expiresAt, issuedAt] = m.slice(1).map((p) => Number.parseInt(p, 36));
  return {
    todoId: todoId as number,
    generation: generation as number,
    expiresAt: expiresAt as number,
    issuedAt: issuedAt as number,
  };
}
