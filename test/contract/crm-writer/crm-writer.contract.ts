import { carriesMarker, legacyMarkerFor, visibleText, type CrmWriter } from '../../../src/core/ports/crm-writer.port';

/**
 * The one battery every CrmWriter adapter runs (like test/contract/storage): a runner per CRM
 * starts that CRM's sandbox, sets the installation up, and hands over the writer plus a view of
 * what the CRM then holds, read from the sandbox's own state (never from our store). A new CRM's
 * writer is done when this passes.
 */
export interface CrmHeldTodo {
  id: string;
  text: string;
  completed: boolean;
}

/** What the CRM holds, in CRM-neutral terms (tiers as our tier ids). */
export interface CrmHeldState {
  fields(accountId: string): { tier: string | null; score: number | null };
  comments(accountId: string): string[];
  todos(accountId: string): CrmHeldTodo[];
}

export interface CrmWriterHarness {
  writer: CrmWriter;
  /** At least three accounts (companies) that exist in the CRM, none written yet. */
  accounts: string[];
  /** A user who may own to-dos. */
  ownerId: string;
  /** The tier ids setup created values for. */
  tiers: string[];
  /** A due date the CRM accepts (YYYY-MM-DD). */
  dueDate: string;
  held(): Promise<CrmHeldState>;
  /**
   * Writes a comment or to-do on the account as an older version did (its note type, the text
   * as given, a visible `[kam:<key>]` line in it), straight through the CRM's API; the CRM id.
   */
  writeLegacy(kind: 'comment' | 'todo', accountId: string, text: string): Promise<string>;
  close(): Promise<void>;
}

const withMarker = (texts: string[], key: string) => texts.filter((text) => carriesMarker(text, key));
/** What a reader could see of our bookkeeping: a bracketed marker, our key words, a raw key. */
const LEAK = /\[kam:|contract:|kam:/;

export function describeCrmWriterContract(name: string, start: () => Promise<CrmWriterHarness>): void {
  describe(`CrmWriter contract: ${name}`, () => {
    let harness: CrmWriterHarness;
    const account = (index: number) => harness.accounts[index] as string;
    const todo = (dedupKey: string, accountId: string) => ({
      dedupKey, accountId, ownerId: harness.ownerId, title: `Contract ${dedupKey}`, description: `Checks the writer (${dedupKey})`, dueDate: harness.dueDate,
    });

    beforeAll(async () => {
      harness = await start();
      expect(harness.accounts.length).toBeGreaterThanOrEqual(3);
      expect(harness.tiers.length).toBeGreaterThanOrEqual(2);
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('writes tier and score only on the accounts asked, and a repeat changes nothing else', async () => {
      const [tier, other] = harness.tiers as [string, string];
      const untouched = (await harness.held()).fields(account(2));
      const first = await harness.writer.writeFields([
        { accountId: account(0), tier, score: 87.5 },
        { accountId: account(1), tier: other, score: 12 },
      ]);
      expect(first).toEqual({ done: expect.arrayContaining([account(0), account(1)]), failed: [], unknown: [] });
      expect(first.done).toHaveLength(2);
      const again = await harness.writer.writeFields([{ accountId: account(0), tier, score: 87.5 }]);
      expect(again.done).toEqual([account(0)]);
      const held = await harness.held();
      expect(held.fields(account(0))).toEqual({ tier, score: 87.5 });
      expect(held.fields(account(1))).toEqual({ tier: other, score: 12 });
      expect(held.fields(account(2))).toEqual(untouched);
    });

    it('adds a comment that is found again by its marker, and only where it was written', async () => {
      const key = `contract:comment:${account(0)}:2026-10`;
      const added = await harness.writer.addComments([{ key, accountId: account(0), text: 'KPI summary for the contract test' }]);
      expect(added.failed).toEqual([]);
      expect(added.unknown).toEqual([]);
      const crmId = added.done.find((item) => item.key === key)?.crmId;
      expect(crmId).toEqual(expect.any(String));
      const found = await harness.writer.findComments([
        { key, accountId: account(0) },
        { key: `contract:comment:${account(1)}:never`, accountId: account(1) },
      ]);
      expect(found.found.get(key)).toBe(crmId);
      expect(found.found.has(`contract:comment:${account(1)}:never`)).toBe(false);
      expect(found.unresolved.size).toBe(0);
      const held = await harness.held();
      expect(withMarker(held.comments(account(0)), key)).toHaveLength(1);
      expect(held.comments(account(0)).some((text) => text.includes('KPI summary for the contract test'))).toBe(true);
      expect(withMarker(held.comments(account(1)), key)).toHaveLength(0);
    });

    it('creates a to-do, and finds one whose create answer was lost by its marker', async () => {
      const created = await harness.writer.createTodos([todo('contract:todo:answered', account(0))]);
      expect(created.failed).toEqual([]);
      const answeredId = created.done.find((item) => item.dedupKey === 'contract:todo:answered')?.crmTaskId;
      expect(answeredId).toEqual(expect.any(String));
      // The answer to this create is "lost": the caller only knows it may have gone through.
      await harness.writer.createTodos([todo('contract:todo:lost', account(1))]);
      const found = await harness.writer.findTodos([
        { dedupKey: 'contract:todo:answered', accountId: account(0) },
        { dedupKey: 'contract:todo:lost', accountId: account(1) },
        { dedupKey: 'contract:todo:never', accountId: account(1) },
      ]);
      expect(found.found.get('contract:todo:answered')).toBe(answeredId);
      expect(found.found.has('contract:todo:never')).toBe(false);
      const held = await harness.held();
      const lost = held.todos(account(1)).filter((item) => carriesMarker(item.text, 'contract:todo:lost'));
      expect(lost).toHaveLength(1);
      expect(found.found.get('contract:todo:lost')).toBe(lost[0]?.id);
      expect(lost[0]?.completed).toBe(false);
    });

    it('closes a to-do, and closing it again changes nothing', async () => {
      const created = await harness.writer.createTodos([todo('contract:todo:close', account(2))]);
      const crmTaskId = created.done[0]?.crmTaskId as string;
      const closed = await harness.writer.closeTodos([{ dedupKey: 'contract:todo:close', crmTaskId }]);
      expect(closed).toEqual({ done: ['contract:todo:close'], failed: [], unknown: [] });
      expect((await harness.writer.closeTodos([{ dedupKey: 'contract:todo:close', crmTaskId }])).failed).toEqual([]);
      const mine = (await harness.held()).todos(account(2)).filter((item) => carriesMarker(item.text, 'contract:todo:close'));
      expect(mine).toEqual([{ id: crmTaskId, text: expect.any(String), completed: true }]);
    });

    it('shows the reader no marker: the text read is exactly the text written, yet a lost answer is recovered', async () => {
      const key = `contract:comment:${account(3)}:hidden`;
      const text = 'KPI summary\nwithout any bookkeeping';
      await harness.writer.addComments([{ key, accountId: account(3), text }]);
      const step = { ...todo('contract:todo:hidden', account(3)), title: 'Call the buyer', description: 'Ask about the renewal' };
      await harness.writer.createTodos([step]);
      const held = await harness.held();
      const comment = withMarker(held.comments(account(3)), key);
      expect(comment).toHaveLength(1);
      expect(visibleText(comment[0] as string)).toBe(text);
      expect(comment[0]?.replace(/[\u200B-\u200D\u2060-\u2064]/g, '')).toBe(text);
      const mine = held.todos(account(3)).filter((item) => carriesMarker(item.text, 'contract:todo:hidden'));
      expect(mine).toHaveLength(1);
      expect(mine[0]?.text).not.toMatch(LEAK);
      expect(mine[0]?.text.replace(/[\u200B-\u200D\u2060-\u2064]/g, '')).toContain(step.description);
      for (const id of harness.accounts) for (const written of held.comments(id)) expect(written).not.toMatch(LEAK);
      // Both answers "lost": the hidden key alone finds them.
      const foundComment = await harness.writer.findComments([{ key, accountId: account(3) }]);
      const foundTodo = await harness.writer.findTodos([{ dedupKey: 'contract:todo:hidden', accountId: account(3) }]);
      expect(foundComment.found.has(key)).toBe(true);
      expect(foundTodo.found.get('contract:todo:hidden')).toBe(mine[0]?.id);
    });

    it('still finds records an older version wrote with its visible marker', async () => {
      const legacyComment = `contract:comment:${account(3)}:legacy`;
      const commentId = await harness.writeLegacy('comment', account(3), `Old summary\n\n${legacyMarkerFor(legacyComment)}`);
      const todoId = await harness.writeLegacy('todo', account(3), `Old step\n${legacyMarkerFor('contract:todo:legacy')}`);
      const comments = await harness.writer.findComments([{ key: legacyComment, accountId: account(3) }, { key: `contract:comment:${account(3)}:absent`, accountId: account(3) }]);
      const todos = await harness.writer.findTodos([{ dedupKey: 'contract:todo:legacy', accountId: account(3) }, { dedupKey: 'contract:todo:absent', accountId: account(3) }]);
      expect(comments.found.get(legacyComment)).toBe(commentId);
      expect(comments.found.has(`contract:comment:${account(3)}:absent`)).toBe(false);
      expect(todos.found.get('contract:todo:legacy')).toBe(todoId);
      expect(todos.found.has('contract:todo:absent')).toBe(false);
    });

    it('duplicates nothing on a re-run that looks before it writes, as write-back does', async () => {
      const comments = [{ key: `contract:comment:${account(0)}:2026-10`, accountId: account(0) }];
      const todos = [
        { dedupKey: 'contract:todo:answered', accountId: account(0) },
        { dedupKey: 'contract:todo:lost', accountId: account(1) },
      ];
      const before = await harness.held();
      const foundComments = await harness.writer.findComments(comments);
      const foundTodos = await harness.writer.findTodos(todos);
      const missingComments = comments.filter((item) => !foundComments.found.has(item.key));
      const missingTodos = todos.filter((item) => !foundTodos.found.has(item.dedupKey));
      expect(missingComments).toEqual([]);
      expect(missingTodos).toEqual([]);
      await harness.writer.addComments(missingComments.map((item) => ({ ...item, text: 'again' })));
      await harness.writer.createTodos(missingTodos.map((item) => todo(item.dedupKey, item.accountId)));
      const after = await harness.held();
      for (const id of harness.accounts) {
        expect(after.comments(id)).toEqual(before.comments(id));
        expect(after.todos(id)).toEqual(before.todos(id));
      }
    });
  });
}
