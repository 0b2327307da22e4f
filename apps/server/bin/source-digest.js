import { createHash } from 'node:crypto';

/** What `dist/inputs.json` records of a source file's content (the build and bin/bzctrl.js). */
export function sourceDigest(content) {
  return createHash('sha256').update(content).digest('base64url').slice(0, 22);
}
