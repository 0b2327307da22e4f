import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string | Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const KEY_LENGTH = 32;

/**
 * Hashes a password or client secret with scrypt (memory-hard). The result carries its
 * own parameters: `scrypt$<logN>$<r>$<p>$<salt>$<hash>`, so the cost can rise later.
 */
export async function hashSecret(secret: string, logN = 15): Promise<string> {
  const salt = randomBytes(16);
  const r = 8;
  const p = 1;
  const hash = await derive(secret, salt, logN, r, p);
  return `scrypt$${logN}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Checks a secret against a stored hash in constant time; false for a malformed hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, logN, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(
    secret,
    Buffer.from(salt, 'base64url'),
    Number(logN),
    Number(r),
    Number(p),
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function derive(secret: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return scryptAsync(secret.normalize('NFC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r });
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real check, so an unknown account is answered as slowly as a
 * wrong password and cannot be told apart by timing.
 */
export async function verifyAgainstDummy(secret: string, logN: number): Promise<false> {
  dummyHash ??= hashSecret(randomUUID(), logN);
  await verifySecret(secret, await dummyHash);
  return false;
}

/** An opaque bearer or refresh token: 256 bits from the CSPRNG. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** How tokens are stored and looked up: never the token itself. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export { randomUUID };
