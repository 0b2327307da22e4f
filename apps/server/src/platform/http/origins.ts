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

/**
 * Origins a browser sends in `Origin` (scheme, host, optional port), from the comma list
 * of BZCTRL_CORS_ORIGINS. `*` is refused as it is for an exposed endpoint: each site that
 * may call the API with its users' tokens is named.
 */
export function corsOriginsOf(raw: string | undefined, problems: string[]): string[] {
  const out: string[] = [];
  for (const item of (raw ?? '').split(',')) {
    const s = item.trim().replace(/\/$/, '');
    if (s === '') continue;
    if (s === '*') {
      problems.push('BZCTRL_CORS_ORIGINS must list origins, "*" is not allowed');
      continue;
    }
    const origin = parseOrigin(s);
    if (!origin) {
      problems.push(
        `BZCTRL_CORS_ORIGINS: "${s}" is not an origin (scheme, host and optional port, e.g. https://erp.example.com)`,
      );
    } else if (!out.includes(origin)) out.push(origin);
  }
  return out;
}
