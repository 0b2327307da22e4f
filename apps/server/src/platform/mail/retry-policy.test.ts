import { describe, expect, it } from 'vitest';
import { describeMailError, MAX_MAIL_ATTEMPTS, retryDelaySeconds } from './retry-policy.ts';

describe('mail retry policy', () => {
  it('doubles the wait from one minute and caps it at six hours', () => {
    expect([1, 2, 3, 4].map(retryDelaySeconds)).toEqual([60, 120, 240, 480]);
    expect(retryDelaySeconds(9)).toBe(256 * 60);
    expect(retryDelaySeconds(10)).toBe(6 * 3600);
    expect(retryDelaySeconds(50)).toBe(6 * 3600);
    expect(retryDelaySeconds(0)).toBe(60);
  });

  it('retries for hours, not forever', () => {
    let total = 0;
    for (let a = 1; a < MAX_MAIL_ATTEMPTS; a++) total += retryDelaySeconds(a);
    expect(total / 3600).toBeGreaterThan(4);
    expect(total / 3600).toBeLessThan(24);
  });

  it('keeps the code and message of an SMTP error but never a password', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), {
      code: 'ESOCKET',
    });
    expect(describeMailError(err)).toBe('ESOCKET: connect ECONNREFUSED 127.0.0.1:2525');
    const auth = Object.assign(new Error('Invalid login via smtp://mailer:s3cret@smtp.example'), {
      code: 'EAUTH',
      responseCode: 535,
    });
    expect(describeMailError(auth)).toBe('EAUTH: 535: Invalid login via smtp://***@smtp.example');
    expect(describeMailError('x'.repeat(2000))).toHaveLength(500);
  });
});
