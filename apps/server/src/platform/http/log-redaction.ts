import type { FastifyRequest } from 'fastify';

/**
 * Credentials a URL may carry: an exposed endpoint's UUID (the path segment after
 * `add-exposed-task/` is the endpoint's only credential), a shared link's token (after
 * `shared/`) and OAuth parameters a client put in the query against advice. The log
 * keeps the rest of the URL.
 */
const SECRET_SEGMENT = /(\/add-exposed-task\/|\/api\/v1\/shared\/)[^/?#]*/gi;
const SECRET_PARAMS = new Set([
  'access_token',
  'refresh_token',
  'token',
  'client_secret',
  'password',
]);

export const REDACTED = '[redacted]';

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q)).replace(SECRET_SEGMENT, `$1${REDACTED}`);
  if (q === -1) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const raw = eq === -1 ? pair : pair.slice(0, eq);
      let name = raw;
      try {
        name = decodeURIComponent(raw.replaceAll('+', ' '));
      } catch {
        // A malformed escape is kept as sent; the name then just does not match.
      }
      return SECRET_PARAMS.has(name.toLowerCase()) ? `${raw}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

/**
 * The request as a log line shows it: Fastify's own fields, with credentials in the URL
 * redacted (installed as the logger's `req` serializer).
 */
export function requestLogValue(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
