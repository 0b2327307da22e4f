import type { Readable } from 'node:stream';
import type { Db } from '../../platform/db/database.ts';
import type { StorageKind } from '../../platform/db/tables.ts';
import { databaseStore } from './database-storage.ts';
import { fileStore } from './file-storage.ts';
import type { ReceivedBytes } from './receive.ts';

export type { StorageKind } from '../../platform/db/tables.ts';

/** An upload stored by a BlobStore, not yet known to the database. */
export interface StoredBytes extends ReceivedBytes {
  /** Where its bytes are: a path in the data directory, or the key of its chunks. */
  storagePath: string;
}

/** One place attachment bytes can live: the data directory or the database. */
export interface BlobStore {
  /** Streams an upload in; undefined when the parser cut it at the limit (nothing kept). */
  receive(source: Readable, truncated: () => boolean, now: Date): Promise<StoredBytes | undefined>;
  /** The stored bytes; rejects at once when they are missing. */
  open(storagePath: string, size: number): Promise<Readable>;
  /** Removes stored bytes; ones already gone are fine (removal is idempotent). */
  remove(storagePath: string): Promise<void>;
  /** Removes what uploads that died mid-way left before `before`; returns how many. */
  removeAbandoned(before: Date): Promise<number>;
}

/** Where an attachment row says its bytes are. */
export interface StoredRef {
  storage: StorageKind;
  storagePath: string;
  size: number;
}

/**
 * Attachment bytes for every reader and writer (uploads, downloads, removal, the sweep,
 * the export, `bzctrl attachments migrate`): new uploads go to the database on PostgreSQL,
 * so any node serves any file, and to the data directory on SQLite. Each row records its
 * own storage, so a database whose old files are not yet migrated serves all of them.
 */
export interface AttachmentStorage {
  /** Where new uploads go. */
  readonly kind: StorageKind;
  receive: BlobStore['receive'];
  open(ref: StoredRef): Promise<Readable>;
  remove(ref: Pick<StoredRef, 'storage' | 'storagePath'>): Promise<void>;
  removeAbandoned(before: Date): Promise<number>;
  /** The store of one kind (the migration reads files and writes chunks). */
  store(kind: StorageKind): BlobStore;
}

/** The one place the database kind chooses where attachment bytes live. */
export function attachmentStorage(db: Db, dataDir: string): AttachmentStorage {
  const files = fileStore(dataDir);
  const database = db.engine === 'postgres' ? databaseStore(() => db.kysely) : null;
  const store = (kind: StorageKind): BlobStore => {
    if (kind === 'file') return files;
    if (!database) throw new Error('attachment bytes in the database need PostgreSQL');
    return database;
  };
  const kind: StorageKind = database ? 'database' : 'file';
  return {
    kind,
    store,
    receive: (source, truncated, now) => store(kind).receive(source, truncated, now),
    open: (ref) => store(ref.storage).open(ref.storagePath, ref.size),
    remove: (ref) => store(ref.storage).remove(ref.storagePath),
    async removeAbandoned(before) {
      const fromFiles = await files.removeAbandoned(before);
      return fromFiles + ((await database?.removeAbandoned(before)) ?? 0);
    },
  };
}
