import { KamError } from './errors';

/**
 * A field of a client's query, given once as text ('' when absent), or the INPUT_INVALID that
 * names it. Express 5's simple query parser keeps `period[]=month` as a key of its own
 * (`period[]`) and makes `period=a&period=b` a list: either would otherwise read as "not given"
 * and quietly become the default (issue 9, security 5).
 */
export function queryField(query: Record<string, unknown>, name: string): { ok: true; value: string } | { ok: false; error: KamError } {
  const value = query[name];
  const bracketed = Object.keys(query).some((key) => key.startsWith(`${name}[`));
  if (bracketed || (value !== undefined && typeof value !== 'string')) return { ok: false, error: invalidField(name, `${name} must be given once, as text`) };
  return { ok: true, value: value ?? '' };
}

/** INPUT_INVALID naming the field, as the pages' API answers it (`fields: { name: message }`). */
export const invalidField = (name: string, message: string): KamError => new KamError('INPUT_INVALID', message, { details: { fields: { [name]: message } } });

/** Several fields, each given once as text ('' when absent), or the INPUT_INVALID of the first that is not. */
export function queryFields<N extends string>(query: Record<string, unknown>, names: readonly N[]): { ok: true; value: Record<N, string> } | { ok: false; error: KamError } {
  const value = {} as Record<N, string>;
  for (const name of names) {
    const field = queryField(query, name);
    if (!field.ok) return field;
    value[name] = field.value;
  }
  return { ok: true, value };
}
