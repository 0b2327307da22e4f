import { extname } from 'node:path';

/** How many leading bytes the sniffer looks at. */
export const SNIFF_BYTES = 512;

const SIGNATURES: { type: string; bytes: number[] }[] = [
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', bytes: [0x47, 0x49, 0x46, 0x38, 0x37, 0x61] }, // GIF87a
  { type: 'image/gif', bytes: [0x47, 0x49, 0x46, 0x38, 0x39, 0x61] }, // GIF89a
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x05, 0x06] }, // an empty archive
];

/** Office Open XML files are ZIP archives; which one is only told by the name. */
const OFFICE_ZIPS: Record<string, string> = {
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

/**
 * The content type of a file from its first bytes, never from what the client claimed:
 * a small signature table, then UTF-8 text without control characters, else
 * `application/octet-stream`. The name only refines a ZIP into an Office document.
 *
 * @example sniffContentType(Buffer.from('%PDF-1.7'), 'x.txt') // 'application/pdf'
 */
export function sniffContentType(head: Buffer, name: string): string {
  for (const s of SIGNATURES) {
    if (head.length >= s.bytes.length && s.bytes.every((b, i) => head[i] === b)) {
      if (s.type === 'application/zip') {
        return OFFICE_ZIPS[extname(name).toLowerCase()] ?? s.type;
      }
      return s.type;
    }
  }
  return head.length > 0 && isText(head) ? 'text/plain; charset=utf-8' : 'application/octet-stream';
}

function isText(head: Buffer): boolean {
  // Tab, line feed, form feed and carriage return are text; other controls are not.
  for (const b of head) if ((b < 0x20 && ![9, 10, 12, 13].includes(b)) || b === 0x7f) return false;
  // A multi-byte character cut off by the sniff window is still text.
  for (let cut = 0; cut < 4 && cut < head.length; cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      if (head.length < SNIFF_BYTES) return false;
    }
  }
  return false;
}
