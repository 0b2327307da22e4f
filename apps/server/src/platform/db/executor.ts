import type { Kysely, Transaction } from 'kysely';
import type { Database } from './tables.ts';

/** What repository functions take first: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** The database engine behind a `Db`. */
export type Engine = 'sqlite' | 'postgres';
