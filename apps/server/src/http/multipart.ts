import type { FastifyInstance } from 'fastify';

/**
 * Seed 003's curl commands copy a `Content-Type: multipart/form-data; boundary=...`
 * header; curl then appends its own boundary, which is the one the body uses. Keeps the
 * last boundary so such requests parse, for the routes of the scope this is called in.
 */
export function useLastMultipartBoundary(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const type = request.headers['content-type'];
    if (!type || !/^multipart\/form-data/i.test(type)) return;
    const boundaries = [...type.matchAll(/;\s*boundary=("[^"]*"|[^;\s]*)/gi)];
    const last = boundaries.at(-1)?.[1];
    if (boundaries.length > 1 && last)
      request.headers['content-type'] = `multipart/form-data; boundary=${last}`;
  });
}
