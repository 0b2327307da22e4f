/**
 * An origin as a browser sends it in `Origin` (scheme http or https, host, optional port,
 * nothing else), normalised; undefined for anything else, `*` included. Allowed-origin
 * lists (exposed endpoints, BZCTRL_CORS_ORIGINS) name each site this way.
 */
export function parseOrigin(raw: string): string | undefined {
  const s = raw.trim().replace(/\/$/, '');
  try {
    const u = new URL(s);
    if (
      (u.protocol === 'http:' || u.protocol === 'https:') &&
      u.origin.toLowerCase() === s.toLowerCase()
    ) {
      return u.origin;
    }
  } catch {
    /* not a URL */
  }
  return undefined;
}
