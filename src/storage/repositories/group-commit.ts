/**
 * Group commit: writes asked for in the same event-loop turn (and while an earlier group is still
 * being written) go to the database together, in one `write` (one transaction), and each caller's
 * promise settles only after the write holding its item has committed. An event is acknowledged
 * only once its marks are durable, so a crash loses no acknowledged event (issue 9, reliability
 * 4) while a burst costs one statement per turn instead of one per event.
 *
 * When a group fails, each of its items is written again alone: one item's own fault (e.g. its
 * installation was just purged) does not fail the others, and every item that still cannot be
 * written rejects with its error (the CRM gets a 5xx and may send again).
 */
export function createGroupCommit<T>(write: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  let waiting: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  let scheduled = false;
  let writing = false;

  const schedule = (): void => {
    if (scheduled || writing) return;
    scheduled = true;
    setImmediate(() => void flush());
  };

  const flush = async (): Promise<void> => {
    scheduled = false;
    const group = waiting;
    waiting = [];
    if (group.length === 0) return;
    writing = true;
    try {
      await write(group.map((entry) => entry.item));
      for (const entry of group) entry.resolve();
    } catch (error) {
      if (group.length === 1) group[0]?.reject(error);
      else await Promise.all(group.map((entry) => write([entry.item]).then(entry.resolve, entry.reject)));
    } finally {
      writing = false;
      if (waiting.length > 0) schedule();
    }
  };

  return (item) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      schedule();
    });
}
