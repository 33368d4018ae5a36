/**
 * Where the Bitrix24 docs leave a portal's behaviour open, the sandbox can behave either way, so
 * the app is tested against both (../shared/reference/real-portal-notes.md, Bitrix24 1-4). Set at
 * start (`behaviour`) or at runtime (POST /_sandbox/behaviour).
 */
export interface SandboxBehaviour {
  /**
   * Whether an app update sends ONAPPUPDATE. A docs pull request (bitrix-tools/b24-rest-docs#370)
   * reports that it may not be sent at all for apps with an installer: then only the installer
   * frame learns the new application token.
   */
  appUpdateEvent: boolean;
  /**
   * User-field labels (EDIT_FORM_LABEL, LIST_COLUMN_LABEL, ...): 'strict' takes a string or the
   * documented lang_map `{"ru": "...", "en": "..."}` (docs:api-reference/crm/data-types, lang_map)
   * and refuses any other shape; 'lenient' reads whatever it gets.
   */
  langMap: 'strict' | 'lenient';
  /**
   * crm.activity.update on a to-do (PROVIDER_ID CRM_TODO): 'documented' completes it when the
   * documented required fields come along (OWNER_ID, OWNER_TYPE_ID, TYPE_ID, RESPONSIBLE_ID,
   * COMMUNICATIONS: docs:api-reference/crm/timeline/activities/activity-base/crm-activity-update);
   * 'refuse' answers the documented "Use crm.activity.configurable.update for this activity
   * provider" and completes nothing.
   */
  todoCompletion: 'documented' | 'refuse';
}

export const DEFAULT_BEHAVIOUR: SandboxBehaviour = { appUpdateEvent: true, langMap: 'strict', todoCompletion: 'documented' };

/** Reads a partial behaviour from JSON, naming the first bad key. */
export function parseBehaviour(raw: unknown): { ok: true; value: Partial<SandboxBehaviour> } | { ok: false; error: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: 'behaviour must be an object' };
  const input = raw as Record<string, unknown>;
  const out: Partial<SandboxBehaviour> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'appUpdateEvent' && typeof value === 'boolean') out.appUpdateEvent = value;
    else if (key === 'langMap' && (value === 'strict' || value === 'lenient')) out.langMap = value;
    else if (key === 'todoCompletion' && (value === 'documented' || value === 'refuse')) out.todoCompletion = value;
    else return { ok: false, error: `bad behaviour ${key}=${JSON.stringify(value)}: appUpdateEvent true|false, langMap strict|lenient, todoCompletion documented|refuse` };
  }
  return { ok: true, value: out };
}
