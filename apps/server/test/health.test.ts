import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

describe.each(dialects)('health on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(() => t?.close());

  it('answers /healthz and /readyz with a request id', async () => {
    const h = await t.request('GET', '/healthz');
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: 'ok' });
    const r = await t.request('GET', '/readyz', { headers: { 'x-request-id': 'probe-1' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ready' });
    expect(r.headers.get('x-request-id')).toBe('probe-1');
  });

  it('answers an unknown route with a problem document', async () => {
    const r = await t.request('GET', '/nope');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('says /readyz is not ready once the database is gone', async () => {
    const t2 = await startTestServer(dialect, { provision: null });
    await t2.server.db.close();
    const r = await t2.request('GET', '/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ status: 'database unreachable' });
    // Draining (SIGTERM) says so in problem details, without asking the database.
    t2.server.unready();
    const draining = await t2.request('GET', '/readyz');
    expect(draining.status).toBe(503);
    expect(draining.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(draining.body).toMatchObject({ status: 503, code: 'unavailable', draining: true });
    const live = await t2.request('GET', '/healthz');
    expect(live.status).toBe(200);
    // While draining, every answer closes its connection, so none is left idle for a
    // load balancer to send a request on when the server stops (docs/scaling.md).
    expect(draining.headers.get('connection')).toBe('close');
    expect(live.headers.get('connection')).toBe('close');
    await t2.server.app.close();
  });
});
