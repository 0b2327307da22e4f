import type { Static, TSchema } from 'typebox';

/**
 * Compile-time checks that a route's schema and the core model it serializes or feeds
 * describe the same object. The core declares plain types; the API declares schemas
 * with wire descriptions; these keep the two from drifting apart unnoticed.
 */

/** Whether A and B are the same type, optional fields and all. */
export type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Whether the schema's values and the model are the same type. */
export type Matches<S extends TSchema, Model> = Same<Static<S>, Model>;

/** Fails to compile unless `T` is `true`: `Holds<Matches<typeof X, Model>>`. */
export type Holds<T extends true> = T;
