import { createRequestMeter, phaseTrackingActive } from '../../../src/connectors/shared/request-meter';

/**
 * Phases follow each piece of work's own async chain, for every installation's meter at once, and
 * the phase store is switched off once no work runs in a phase (an enabled store is copied into
 * every promise the process makes: a web process answering events must not pay for it).
 */
describe('request meter phases', () => {
  it('counts concurrent work of two meters in their own phases, and switches the store off when none runs', async () => {
    const [a, b] = [createRequestMeter(), createRequestMeter()];
    let releaseSync!: () => void;
    const syncHeld = new Promise<void>((resolve) => (releaseSync = resolve));
    expect(phaseTrackingActive()).toBe(false);
    const sync = a.inPhase('sync', async () => {
      await a.record('crm.deal.list');
      await syncHeld;
      await a.record('crm.company.list');
    });
    const writeBack = b.inPhase('writeBack', async () => {
      await b.record('batch');
      // Nested work in another phase counts there, and the outer phase resumes after it.
      await b.inPhase('setup', () => b.record('event.bind'));
      await b.record('crm.timeline.comment.add');
    });
    await writeBack;
    expect(phaseTrackingActive()).toBe(true);
    await b.record('user.current');
    releaseSync();
    await sync;
    expect(phaseTrackingActive()).toBe(false);
    await a.record('profile');
    expect(a.snapshot().byPhase).toEqual({ setup: 0, sync: 2, writeBack: 0, other: 1 });
    expect(b.snapshot().byPhase).toEqual({ setup: 1, sync: 0, writeBack: 2, other: 1 });
    // A phase after the store was off works as before.
    await a.inPhase('writeBack', () => a.record('batch'));
    expect(a.snapshot().byPhase.writeBack).toBe(1);
    expect(phaseTrackingActive()).toBe(false);
  });

  it('switches the store off when the work fails too', async () => {
    const meter = createRequestMeter();
    await expect(meter.inPhase('sync', async () => {
      await meter.record('crm.deal.list');
      throw new Error('portal down');
    })).rejects.toThrow('portal down');
    expect(phaseTrackingActive()).toBe(false);
    expect(meter.snapshot().byPhase.sync).toBe(1);
  });
});
