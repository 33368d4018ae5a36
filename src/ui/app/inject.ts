import { inject, onMounted, ref, type InjectionKey, type Ref } from 'vue';
import type { Api } from './api';
import { ApiCallError } from './api';
import type { PageContext } from './context';
import type { Frame } from './frame';
import type { I18n } from './i18n';

export interface Kam {
  context: PageContext;
  i18n: I18n;
  api: Api;
  frame: Frame;
}

export const KAM: InjectionKey<Kam> = Symbol('kam');

export function useKam(): Kam {
  const kam = inject(KAM);
  if (!kam) throw new Error('KAM context not provided');
  return kam;
}

export type LoadState<T> =
  | { state: 'loading' }
  | { state: 'ready'; data: T }
  | { state: 'failed'; status: number; message: string };

/** Loads one API resource; the page shows loading, the data, or why not. */
export function useLoad<T>(path: () => string): { view: Ref<LoadState<T>>; reload: () => Promise<void> } {
  const { api, frame } = useKam();
  const view = ref<LoadState<T>>({ state: 'loading' }) as Ref<LoadState<T>>;
  const reload = async () => {
    view.value = { state: 'loading' };
    try {
      view.value = { state: 'ready', data: await api.get<T>(path()) };
    } catch (error) {
      view.value = error instanceof ApiCallError
        ? { state: 'failed', status: error.status, message: error.message }
        : { state: 'failed', status: 0, message: String(error) };
    }
    setTimeout(() => void frame.fit(), 0);
  };
  onMounted(reload);
  return { view, reload };
}
