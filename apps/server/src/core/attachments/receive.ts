import { createHash } from 'node:crypto';
import { type Readable, Transform, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { AppError } from '../../platform/errors.ts';
import { SNIFF_BYTES } from './sniff.ts';

/** What an upload turned out to be, as it streamed past. */
export interface ReceivedBytes {
  size: number;
  sha256: string;
  /** The first bytes, for content sniffing. */
  head: Buffer;
}

const cutOffError = () =>
  new AppError(
    'bad_request',
    'The multipart body ended before the file part did (no closing boundary)',
  );

/** A pass-through that hashes, counts and keeps the sniff window of what flows through. */
export function measuringTap(): { tap: Transform; result: () => ReceivedBytes } {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      if (headLength < SNIFF_BYTES) {
        const part = chunk.subarray(0, SNIFF_BYTES - headLength);
        head.push(part);
        headLength += part.length;
      }
      done(null, chunk);
    },
  });
  return {
    tap,
    result: () => ({ size, sha256: hash.digest('hex'), head: Buffer.concat(head) }),
  };
}

/**
 * Streams an upload into the sink `openSink` makes (a file or the database), hashing it on the way; memory
 * holds one chunk and the sniff window, never the file. `truncated()` tells whether the
 * multipart parser cut the file at the size limit: then `drop` removes what was written
 * and the result is undefined, as soon as the cut happens. Any failure calls `drop` too;
 * a failure of the incoming stream (a malformed or cut-off multipart body, a client that
 * went away) is a 400.
 */
export async function receiveInto(
  source: Readable,
  truncated: () => boolean,
  openSink: () => Writable,
  drop: () => Promise<void>,
): Promise<ReceivedBytes | undefined> {
  const { tap, result } = measuringTap();
  let sourceError: unknown;
  source.once('error', (err) => {
    sourceError = err;
  });
  // The parser destroys the part when the body ends without its closing boundary; if that
  // happened already, a pipeline would wait for it forever (and hold the sink open), so it is not even opened.
  if (source.destroyed) throw cutOffError();
  const sink = openSink();
  const written = pipeline(source, tap, sink);
  // Over the limit the parser cuts the file but reads on to the end of its part: the
  // sink is closed and dropped at once, and the rest of the part is drained unread.
  const cut = new Promise<true>((resolve) => source.once('limit', () => resolve(true)));
  try {
    if (await Promise.race([written.then(truncated), cut])) {
      source.unpipe(tap);
      tap.end();
      source.resume();
      written.catch(() => {});
      await finished(sink).catch(() => {});
      await drop();
      return undefined;
    }
  } catch (err) {
    // The sink is destroyed by now; once it has closed (a chunk being written is done),
    // nothing more is written, and what was can go.
    await finished(sink).catch(() => {});
    await drop();
    // The body failed, or ended (the client went) before the file's closing boundary:
    // the stream closed early, or the parser says the part was cut mid-way.
    const cutOff =
      (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' ||
      (err === sourceError && /terminated early/.test((err as Error).message));
    if (err !== sourceError && !cutOff) throw err;
    if (cutOff) throw cutOffError();
    throw new AppError('bad_request', `The multipart body is malformed: ${(err as Error).message}`);
  }
  return result();
}
