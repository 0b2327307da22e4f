import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LinkClaims, linkKey, signLinkToken, verifyLinkToken } from './link-token.ts';

const key = linkKey(Buffer.from('a server secret of enough characters'));
const claims: LinkClaims = {
  todoId: 42,
  generation: 3,
  expiresAt: Math.floor(Date.now() / 1000) + 900,
  issuedAt: Date.now(),
};

describe('shared link tokens', () => {
  it('give back what they were signed with', () => {
    expect(verifyLinkToken(key, signLinkToken(key, claims))).toEqual(claims);
  });

  it('stay under the 100 characters a path parameter may have, whatever the numbers', () => {
    const largest = signLinkToken(key, {
      todoId: Number.MAX_SAFE_INTEGER,
      generation: 2 ** 31,
      expiresAt: 2 ** 40,
      issuedAt: 2 ** 46,
    });
    expect(largest.length).toBeLessThan(100);
    expect(largest).toMatch(/^[0-9a-z.]+\.[A-Za-z0-9_-]{43}$/);
  });

  it('refuse any changed character, another key and malformed text', () => {
    const token = signLinkToken(key, claims);
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-.'),
        (i, c) => {
          fc.pre(token[i] !== c);
          const altered = `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
          expect(verifyLinkToken(key, altered)).toBeUndefined();
        },
      ),
    );
    expect(verifyLinkToken(linkKey(Buffer.from('another secret')), token)).toBeUndefined();
    for (const bad of ['', '.', 'abc', `${token}.`, `x${token}`, token.slice(0, -1)]) {
      expect(verifyLinkToken(key, bad)).toBeUndefined();
    }
  });
});
