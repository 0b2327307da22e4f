import { BzCtrlError } from '@bzctrl/sdk';
import { describe, expect, it } from 'vitest';
import { checkSignIn, signInRefusal, throttledSignIn, waitInWords } from './sign-in.logic.ts';

const throttled = (retryAfter: number | undefined) =>
  new BzCtrlError(
    429,
    'too_many_requests',
    'Too many failed sign-in attempts',
    [],
    'r',
    retryAfter,
  );

describe('waitInWords', () => {
  it('says seconds under a minute', () => {
    expect(waitInWords(1)).toBe('1 second');
    expect(waitInWords(45)).toBe('45 seconds');
    expect(waitInWords(59)).toBe('59 seconds');
    // Never "0 seconds": the wait is not over until the server says so.
    expect(waitInWords(0)).toBe('1 second');
  });

  it('says whole minutes from a minute on, rounded up', () => {
    expect(waitInWords(60)).toBe('1 minute');
    expect(waitInWords(61)).toBe('2 minutes');
    expect(waitInWords(3599)).toBe('60 minutes');
    expect(waitInWords(3600)).toBe('60 minutes');
  });
});

describe('sign-in refusals', () => {
  it('explains the throttle with the wait the server named', () => {
    expect(throttledSignIn(throttled(900))).toBe(
      'Too many failed sign-ins. Try again in 15 minutes.',
    );
    expect(throttledSignIn(throttled(30))).toBe(
      'Too many failed sign-ins. Try again in 30 seconds.',
    );
    expect(throttledSignIn(throttled(undefined))).toBe(
      'Too many failed sign-ins. Try again later.',
    );
  });

  it('says a wrong password plainly and leaves other failures to the generic wording', () => {
    expect(signInRefusal(new BzCtrlError(401, 'unauthorized', 'Wrong credentials'))).toBe(
      'The e-mail or password is not right.',
    );
    expect(signInRefusal(throttled(120))).toMatch(/Try again in 2 minutes\.$/);
    expect(signInRefusal(new BzCtrlError(503, 'unavailable', 'busy'))).toBeUndefined();
    expect(throttledSignIn(new Error('boom'))).toBeUndefined();
  });
});

describe('checkSignIn', () => {
  it('says at each field what is missing or wrong, in the form contract’s words', () => {
    expect(checkSignIn('', '')).toEqual({ username: 'Fill this in.', password: 'Fill this in.' });
    expect(checkSignIn('gate.clerk@example', 'x')).toEqual({
      username:
        'The domain has no ending such as .com: enter the full address, like name@example.com.',
    });
    expect(checkSignIn('gate.clerk', 'x').username).toBe(
      'Enter an e-mail address, like name@example.com.',
    );
    expect(checkSignIn(' ann@example.com ', 'x')).toEqual({});
  });
});
