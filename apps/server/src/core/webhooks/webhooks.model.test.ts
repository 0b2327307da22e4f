import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../platform/http/outbound.ts';
import { backoffMs, MAX_BACKOFF_MS, matchesType, newSecret } from './webhooks.model.ts';

describe('webhook rules', () => {
  it('backs off exponentially with jitter: first retry within the base, never past an hour', () => {
    for (let i = 0; i < 200; i++) {
      const first = backoffMs(1, 5000);
      expect(first).toBeGreaterThanOrEqual(2500);
      expect(first).toBeLessThanOrEqual(5000);
      const fourth = backoffMs(4, 5000);
      expect(fourth).toBeGreaterThanOrEqual(20_000);
      expect(fourth).toBeLessThanOrEqual(40_000);
      expect(backoffMs(40, 5000)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
      expect(backoffMs(40, 5000)).toBeGreaterThanOrEqual(MAX_BACKOFF_MS / 2);
    }
    // Jitter: not every delay the same.
    expect(new Set(Array.from({ length: 50 }, () => backoffMs(3, 5000))).size).toBeGreaterThan(1);
    // Enough attempts to go on for more than a day before a delivery is given up (72 h).
    let total = 0;
    let n = 0;
    while (total < 24 * 3600_000) total += backoffMs(++n, 5000);
    expect(n).toBeGreaterThan(20);
  });

  it('matches todo.* and named types only', () => {
    expect(matchesType(['todo.*'], 'todo.commented')).toBe(true);
    expect(matchesType(['todo.created'], 'todo.created')).toBe(true);
    expect(matchesType(['todo.created'], 'todo.updated')).toBe(false);
    expect(matchesType(['todo.*'], 'webhook.test')).toBe(false);
  });

  it('makes secrets in the Standard Webhooks form', () => {
    const s = newSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(s.slice(6), 'base64')).toHaveLength(32);
    expect(newSecret()).not.toBe(s);
  });

  it('takes public unicast addresses only', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '2a00:1450:4001::200e']) {
      expect(isPublicAddress(a), a).toBe(true);
    }
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00:ec2::254',
      'fc00::1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
      '2002:a00:1::',
      'not an address',
    ]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });
});
