import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepAuthTables } from '../src/core/access/token-sweep.ts';
import { readConfig } from '../src/platform/config.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

describe.each(dialects)('sweeping auth tables on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(() => t?.close());

  const count = async (table: 'oauthTokens' | 'loginThrottle') =>
    Number(
      (
        await t.server.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const works = async (token: string) =>
    (await t.request('GET', '/bzctrl-core-api/api/v1/tasks/NONE-X-1', { token })).status === 404;

  it('deletes expired tokens and closed counters, and keeps live ones', async () => {
    const live = await t.login('example@example.com');
    const failed = await t.request('POST', '/bzctrl-core-api/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'nobody@example.com',
        password: 'wrong-pass',
      }),
    });
    expect(failed.status).toBe(400);
    const config = readConfig({ BZCTRL_DATABASE_URL: t.databaseUrl });
    const tokensBefore = await count('oauthTokens');
    expect(await count('loginThrottle')).toBeGreaterThan(0);

    // Now: nothing has expired yet, and the live token still works.
    expect(await sweepAuthTables(t.server.db, config)).toEqual({ tokens: 0, throttles: 0 });
    expect(await count('oauthTokens')).toBe(tokensBefore);
    expect(await works(live)).toBe(true);

    // Two hours on: access tokens (1 h) and the counters' window (1 h) are over,
    // refresh tokens (30 days) are not.
    const later = new Date(Date.now() + 2 * 3600 * 1000);
    const swept = await sweepAuthTables(t.server.db, config, later);
    expect(swept.tokens).toBeGreaterThan(0);
    expect(swept.throttles).toBeGreaterThan(0);
    expect(await count('loginThrottle')).toBe(0);
    const kinds = await t.server.db.kysely.selectFrom('oauthTokens').select('kind').execute();
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds.every((k) => k.kind === 'refresh')).toBe(true);
  });
});
