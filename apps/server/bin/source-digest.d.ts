/** What `dist/inputs.json` records of a source file's content. */
export function sourceDigest(content: Uint8Array | string): string;
