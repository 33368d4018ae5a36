/** What the check of `kam demo --workers` reads in the sandbox's own state: tiers written, nothing written twice. */
export interface SandboxCheck {
  companies: number;
  companiesWithTier: number;
  duplicateOpenTodos: number;
  duplicateComments: number;
}

const duplicates = (keys: string[]) => keys.length - new Set(keys).size;

export function checkSandbox(crm: 'bitrix24' | 'amocrm', state: Record<string, unknown>): SandboxCheck {
  if (crm === 'amocrm') {
    const summary = state.summary as { companies: number; companiesWithTier: number; duplicateOpenTasks: number; duplicateNotes: number };
    return { companies: summary.companies, companiesWithTier: summary.companiesWithTier, duplicateOpenTodos: summary.duplicateOpenTasks, duplicateComments: summary.duplicateNotes };
  }
  const b24 = state as {
    counts: { companies: number };
    companies: Array<{ fields: Record<string, unknown> }>;
    activities: Array<{ ownerTypeId: number; ownerId: number; title: string; completed: boolean }>;
    comments: Array<{ entityType: string; entityId: number; comment: string }>;
  };
  return {
    companies: b24.counts.companies,
    companiesWithTier: b24.companies.filter((company) => Boolean(company.fields.UF_CRM_KAM_TIER)).length,
    duplicateOpenTodos: duplicates(b24.activities.filter((todo) => !todo.completed).map((todo) => `${todo.ownerTypeId}:${todo.ownerId}:${todo.title}`)),
    duplicateComments: duplicates(b24.comments.map((comment) => `${comment.entityType}:${comment.entityId}:${comment.comment}`)),
  };
}
