/** Makes one result row: `names[i]` gets `value(source[keys[i]])`. */
export type RowLiteral<Source> = (
  source: Source,
  value: (v: unknown) => unknown,
) => Record<string, unknown>;

/**
 * A function, made once for a list of columns, that builds a row as an object literal:
 * property `names[i]` from `source[keys[i]]` (a key of a row object, or an index of a row
 * array), passed through `value`. The rows of one result share their columns, and a
 * literal with known names is what V8 builds fastest (what fast-json-stringify makes
 * for a schema); filling an empty object key by key cost ~90–190 µs of event-loop time
 * for a list page's 50 rows of 30 columns, this 6–14 µs. A name that comes twice keeps
 * its last value, as assigning key by key does. Names and keys are quoted by
 * JSON.stringify, so no column name can leave its string.
 */
export function rowLiteral<Source>(
  names: readonly string[],
  keys: readonly (string | number)[],
): RowLiteral<Source> {
  // A literal's "__proto__" would set the prototype: such rows are filled key by key.
  if (names.includes('__proto__')) {
    return (source, value) => {
      const row: Record<string, unknown> = {};
      names.forEach((name, i) => {
        Object.defineProperty(row, name, {
          value: value((source as Record<string | number, unknown>)[keys[i] as string | number]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      });
      return row;
    };
  }
  const fields = names.map(
    (name, i) => `${JSON.stringify(name)}: value(source[${JSON.stringify(keys[i])}])`,
  );
  return new Function(
    'source',
    'value',
    `return {\n${fields.join(',\n')}\n};`,
  ) as RowLiteral<Source>;
}
