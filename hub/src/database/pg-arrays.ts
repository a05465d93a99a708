/**
 * Columns of a batch as PostgreSQL array literals, one parameter per column, for
 * `unnest($1::uuid[], $2::text[], …)`. PostgreSQL reads an array in one pass; json_to_recordset,
 * which the batched writes used before, builds a lookup of every object's fields and converts
 * each nested value on its own: for the same 1,667 status reports it took three times as long to
 * read them (docs/scale-rounds.md, eighteenth round). The literals cost the hub no more to build
 * than the JSON document did.
 */

/**
 * The column `value` of `items` as `{"a","b",NULL}`: every element quoted (a backslash before
 * `"` and `\`, the only characters special inside quotes), null as NULL. Numbers, uuids and
 * times read the same quoted, so one form serves every element type; any text is data, never
 * syntax.
 */
export function arrayLiteral<T>(items: readonly T[], value: (item: T) => string | number | null): string {
  let literal = '{';
  for (let i = 0; i < items.length; i++) {
    const v = value(items[i]);
    if (i > 0) literal += ',';
    if (v === null) literal += 'NULL';
    else if (typeof v === 'number') literal += `"${v}"`;
    else literal += `"${v.includes('"') || v.includes('\\') ? v.replace(/["\\]/g, '\\$&') : v}"`;
  }
  return `${literal}}`;
}

/**
 * SQL for a column of JSON values passed as one JSON array (`JSON.stringify(values)`): a
 * jsonb[] in the array's order, a JSON null as SQL NULL. JSON inside an array literal would
 * need every quote escaped; as its own document PostgreSQL parses it in one pass.
 */
export function jsonbArraySql(param: string): string {
  return `ARRAY(SELECT nullif(e::jsonb, 'null') FROM json_array_elements(${param}::json) WITH ORDINALITY AS j(e, n) ORDER BY n)`;
}
