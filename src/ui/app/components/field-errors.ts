import { inject, ref, type InjectionKey, type Ref } from 'vue';

/** The server's per-field messages, keyed by JSON path (`criteria.0.weight`), for every editor on the page. */
export const FIELD_ERRORS: InjectionKey<Ref<Record<string, string>>> = Symbol('field-errors');

export function useFieldErrors(): Ref<Record<string, string>> {
  return inject(FIELD_ERRORS, ref({}));
}
