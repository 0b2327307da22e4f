/** The longest original name kept, in characters (most file systems' limit). */
export const NAME_LIMIT = 255;

// C0 and C1 control characters, DEL, and the bidirectional overrides that can make
// "gpj.exe" look like "exe.jpg" in a list.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes a client's file name safe to keep and show: only the last path part, no control
 * characters, at most 255 characters (the extension kept when cut). It is metadata only;
 * files are stored under a random name.
 *
 * @example cleanFileName('../../etc/passwd') // 'passwd'
 */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').normalize('NFC').replace(UNSAFE, '').split(/[/\\]/).pop() ?? '';
  const name = base.trim();
  if (name === '' || name === '.' || name === '..') return 'file';
  const chars = Array.from(name);
  if (chars.length <= NAME_LIMIT) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? Array.from(name.slice(dot)) : [];
  if (ext.length > 0 && ext.length <= 16) {
    return chars.slice(0, NAME_LIMIT - ext.length).join('') + ext.join('');
  }
  return chars.slice(0, NAME_LIMIT).join('');
}

/**
 * `Content-Disposition: attachment` with an ASCII fallback name and the exact name
 * RFC 5987-encoded (RFC 6266 §4.3), so any name downloads as itself and none can break
 * out of the header.
 */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
