import { z } from 'zod';
import { KamError, fail, ok, type Result } from '../../core/errors';
import type { DirtyMark } from '../../core/ports/sync-state-store.port';

/**
 * Inbound Bitrix24 events (form-encoded, bracket notation, parsed with qs):
 * https://apidocs.bitrix24.com/api-reference/events/index.html. The payload only says what
 * changed (data[FIELDS][ID]); we re-read the entity ourselves.
 */
const AuthSchema = z.object({
  member_id: z.string().min(1),
  application_token: z.string().min(1),
  domain: z.string().min(1).optional(),
  access_token: z.string().optional(),
  refresh_token: z.string().optional(),
  expires: z.coerce.number().optional(),
  expires_in: z.coerce.number().optional(),
  server_endpoint: z.string().optional(),
  client_endpoint: z.string().optional(),
  scope: z.string().optional(),
  user_id: z.coerce.string().optional(),
  status: z.string().optional(),
});

const EventSchema = z.object({
  event: z.string().min(1).transform((name) => name.toUpperCase()),
  event_handler_id: z.coerce.string().optional(),
  data: z.record(z.string(), z.unknown()).optional().default({}),
  ts: z.coerce.string().optional(),
  auth: AuthSchema,
});

export type Bitrix24Event = z.output<typeof EventSchema>;

export function parseBitrix24Event(body: unknown): Result<Bitrix24Event> {
  const parsed = EventSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    return fail(new KamError('INPUT_INVALID', `Malformed Bitrix24 event: ${problems.join('; ')}`));
  }
  return ok(parsed.data);
}

const ENTITY_EVENTS = /^ONCRM(COMPANY|CONTACT|DEAL)(ADD|UPDATE|DELETE)$/;

/** ONCRMDEALUPDATE with data[FIELDS][ID]=5 -> a dirty mark for deal 5; null for other events. */
export function dirtyMarkOf(event: Bitrix24Event): DirtyMark | null | KamError {
  const match = ENTITY_EVENTS.exec(event.event);
  if (!match) return null;
  const fields = event.data.FIELDS as Record<string, unknown> | undefined;
  const id = fields?.ID;
  if ((typeof id !== 'string' && typeof id !== 'number') || !/^\d+$/.test(String(id))) {
    return new KamError('INPUT_INVALID', `Malformed Bitrix24 event: data.FIELDS.ID must be a numeric id (${event.event})`);
  }
  const kind = (match[1] as string).toLowerCase() as DirtyMark['kind'];
  return { kind, crmId: String(id), action: match[2] === 'DELETE' ? 'delete' : 'upsert' };
}
