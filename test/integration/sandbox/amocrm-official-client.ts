/**
 * A small amoCRM client for tests, written from the request shapes of the official PHP client
 * `amocrm/amocrm-api-php` (1.16.0) and nothing else, so the sandbox is checked against what a
 * real client sends, not against our connector:
 * - headers of AmoCRMApiRequest::getBaseHeaders (Bearer token, User-Agent, X-Library-Version,
 *   X-Client-UUID); JSON bodies;
 * - queries built like PHP's http_build_query (`filter%5Bid%5D%5B0%5D=1`, spaces as `+`);
 * - answers read like AmoCRMApiRequest::parseResponse: 204 -> NoContent, a non-JSON 429 ->
 *   TooManyRequests, other non-JSON -> "Response body is not json", 400 with validation-errors;
 * - paging by `_links.next` with its own query (PageMethodsTrait::nextPage);
 * - notes by entity (EntityNotes with WithParentEntityMethodsTrait, NotesFilter::buildFilter);
 * - tasks updated with TaskModel::toApi, which sends created_at/updated_at back.
 */
export const LIBRARY_VERSION = '1.16.0';

export class AmoApiError extends Error {
  constructor(
    readonly kind: 'NoContent' | 'TooManyRequests' | 'NotJson' | 'OAuth' | 'Validation' | 'Http',
    readonly status: number,
    readonly body: unknown = null,
  ) {
    super(`${kind} (${status})`);
  }
}

type PhpValue = string | number | boolean | null | undefined | PhpValue[] | { [key: string]: PhpValue };

/** http_build_query: nested keys in brackets, lists with numeric indexes, null skipped, booleans 1/0. */
export function httpBuildQuery(params: Record<string, PhpValue>): string {
  const pairs: string[] = [];
  const encode = (text: string): string => encodeURIComponent(text).replace(/%20/g, '+');
  const walk = (prefix: string, value: PhpValue): void => {
    if (value === null || value === undefined) return;
    if (typeof value === 'object') {
      const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
      for (const [key, item] of entries) walk(`${prefix}[${key}]`, item);
      return;
    }
    pairs.push(`${encode(prefix)}=${encode(typeof value === 'boolean' ? (value ? '1' : '0') : String(value))}`);
  };
  for (const [key, value] of Object.entries(params)) walk(key, value);
  return pairs.join('&');
}

export interface HalPage {
  _links: { next?: { href: string }; self: { href: string } };
  _embedded: Record<string, Array<Record<string, unknown>>>;
}

/** TaskModel fields as fromArray keeps them; toApi sends back every one that is not null. */
export interface TaskModel {
  id?: number;
  text?: string;
  responsible_user_id?: number;
  created_by?: number;
  updated_by?: number;
  created_at?: number;
  updated_at?: number;
  duration?: number;
  entity_type?: string | null;
  entity_id?: number | null;
  is_completed?: boolean;
  complete_till?: number;
  task_type_id?: number;
  result?: string | null;
  request_id?: string;
}

export function taskToApi(task: TaskModel, requestId: string | null = '0'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = ['id', 'text', 'responsible_user_id', 'created_by', 'updated_by', 'created_at', 'updated_at', 'duration',
    'entity_type', 'entity_id', 'is_completed', 'complete_till', 'task_type_id'] as const;
  for (const key of keys) if (task[key] !== undefined && task[key] !== null) out[key] = task[key];
  if (task.result !== undefined && task.result !== null) out['result'] = { text: task.result };
  out['request_id'] = task.request_id ?? requestId;
  return out;
}

/** TaskModel::fromArray: the result text sits in `result.text` (an empty array when open). */
export function taskFromApi(raw: Record<string, unknown>): TaskModel {
  const result = raw['result'] as { text?: string } | unknown[];
  return {
    id: raw['id'] as number, text: raw['text'] as string, responsible_user_id: raw['responsible_user_id'] as number,
    created_by: raw['created_by'] as number, updated_by: raw['updated_by'] as number, created_at: raw['created_at'] as number,
    updated_at: raw['updated_at'] as number, duration: raw['duration'] as number, entity_type: raw['entity_type'] as string | null,
    entity_id: raw['entity_id'] as number | null, is_completed: raw['is_completed'] as boolean, complete_till: raw['complete_till'] as number,
    task_type_id: raw['task_type_id'] as number, result: Array.isArray(result) ? null : (result.text ?? null),
  };
}

export interface NotesFilter {
  ids?: number[];
  entityIds?: number[];
  noteTypes?: string[];
  updatedAt?: number | { from?: number; to?: number };
  page?: number;
  limit?: number;
}

/** NotesFilter::buildFilter plus BaseEntityFilter::buildPagesFilter. */
export function notesFilterQuery(filter: NotesFilter): Record<string, PhpValue> {
  const inner: Record<string, PhpValue> = {};
  if (filter.ids) inner['id'] = filter.ids;
  if (filter.noteTypes && filter.noteTypes.length > 0) inner['note_type'] = filter.noteTypes;
  if (filter.updatedAt !== undefined) inner['updated_at'] = filter.updatedAt;
  if (filter.entityIds && filter.entityIds.length > 0) inner['entity_id'] = filter.entityIds;
  return { ...(Object.keys(inner).length > 0 ? { filter: inner } : {}), page: filter.page, limit: filter.limit };
}

export interface AmoClient {
  get(path: string, query?: Record<string, PhpValue>): Promise<Record<string, unknown>>;
  /** PageMethodsTrait::nextPage: GET the next href with its own query parsed and passed again. */
  nextPage(page: HalPage): Promise<HalPage>;
  post(path: string, body: unknown): Promise<Record<string, unknown>>;
  patch(path: string, body: unknown): Promise<Record<string, unknown>>;
  notesOf(entity: string, parentId: number, filter?: NotesFilter): Promise<HalPage>;
  note(entity: string, parentId: number, id: number): Promise<Record<string, unknown>>;
  addTasks(tasks: TaskModel[]): Promise<Array<Record<string, unknown>>>;
  updateTask(task: TaskModel): Promise<Record<string, unknown>>;
  getTask(id: number): Promise<TaskModel>;
}

export function createAmoClient(options: { baseUrl: string; accessToken: string; clientId: string }): AmoClient {
  const headers = {
    Authorization: `Bearer ${options.accessToken}`,
    'User-Agent': `amoCRM-API-Library/${LIBRARY_VERSION}`,
    'X-Library-Version': LIBRARY_VERSION,
    'X-Client-UUID': options.clientId,
  };
  async function call(method: string, path: string, query: string, body?: unknown): Promise<Record<string, unknown>> {
    // Guzzle's `query` option replaces whatever query the URL already had.
    const url = `${path.startsWith('http') ? path.split('?')[0] : `${options.baseUrl}/${path.replace(/^\//, '')}`}${query === '' ? '' : `?${query}`}`;
    const response = await fetch(url, {
      method,
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let decoded: unknown = null;
    try {
      decoded = text === '' ? null : JSON.parse(text);
    } catch {
      decoded = null;
    }
    if (response.status !== 202 && !decoded && text !== '') {
      throw new AmoApiError(response.status === 429 ? 'TooManyRequests' : 'NotJson', response.status, text);
    }
    if (response.status === 401) throw new AmoApiError('OAuth', 401, decoded);
    if (response.status === 204) throw new AmoApiError('NoContent', 204);
    if (![200, 201, 202].includes(response.status)) {
      const validation = response.status === 400 && (decoded as Record<string, unknown> | null)?.['validation-errors'];
      throw new AmoApiError(validation ? 'Validation' : 'Http', response.status, decoded);
    }
    return (decoded ?? {}) as Record<string, unknown>;
  }
  const client: AmoClient = {
    get: (path, query = {}) => call('GET', path, httpBuildQuery(query)),
    async nextPage(page) {
      const next = page._links.next?.href;
      if (!next) throw new Error('No next page available');
      return (await call('GET', next, new URL(next).search.slice(1))) as unknown as HalPage;
    },
    post: (path, body) => call('POST', path, '', body),
    patch: (path, body) => call('PATCH', path, '', body),
    notesOf: async (entity, parentId, filter = {}) =>
      (await call('GET', `api/v4/${entity}/${parentId}/notes`, httpBuildQuery(notesFilterQuery(filter)))) as unknown as HalPage,
    note: (entity, parentId, id) => call('GET', `api/v4/${entity}/${parentId}/notes/${id}`, ''),
    async addTasks(tasks) {
      const response = await call('POST', 'api/v4/tasks', '', tasks.map((task, index) => taskToApi(task, String(index))));
      return (response['_embedded'] as { tasks: Array<Record<string, unknown>> }).tasks;
    },
    updateTask: (task) => call('PATCH', `api/v4/tasks/${String(task.id)}`, '', taskToApi(task, '0')),
    getTask: async (id) => taskFromApi(await call('GET', `api/v4/tasks/${id}`, '')),
  };
  return client;
}
