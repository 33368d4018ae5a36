import { randomBytes } from 'node:crypto';
import { createCrmApp } from '../../../src/app/crm-app';
import { KamError } from '../../../src/core/errors';
import type { CrmConnector, CrmSession } from '../../../src/core/ports/crm-connector.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createJobQueue } from '../../../src/jobs/job-queue';
import { createSilentLogger } from '../../../src/logging/logger';
import { createStorage } from '../../../src/storage';

/** A Bitrix24 connector whose only work is `setUp`: every phase runs as asked. */
function connectorWith(setUp: CrmSession['setUp']): CrmConnector {
  const session = { setUp, inPhase: (_phase: string, work: () => Promise<unknown>) => work() } as unknown as CrmSession;
  return { traits: { kind: 'bitrix24', defaultFieldMap: {}, defaultCurrency: 'RUB' }, session: () => session, forget: () => undefined } as unknown as CrmConnector;
}

/**
 * Reliability 3 of issue 9: the installer is answered once the installation is stored and
 * verified; setup runs as a job, is tried again after a failure, and shows its state.
 */
describe('install: setup as a job with retries', () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
  });
  afterAll(() => storage.close());

  it('returns before setup finished, retries a failed setup and reports each attempt', async () => {
    const setUp = jest.fn<ReturnType<CrmSession['setUp']>, Parameters<CrmSession['setUp']>>();
    let release!: () => void;
    let started!: () => void;
    const firstAttemptMayFail = new Promise<void>((resolve) => {
      release = resolve;
    });
    const firstAttemptStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    setUp
      .mockImplementationOnce(async () => {
        started();
        await firstAttemptMayFail;
        throw new KamError('NETWORK', 'Bitrix24 placement.get: ECONNABORTED');
      })
      .mockResolvedValueOnce({ slot: { ready: true }, created: { fields: 2 } });
    const connector = connectorWith(setUp);
    const progress: Array<{ stream: string; rows: number; done: boolean }> = [];
    const queue = createJobQueue({ concurrency: 2, logger: createSilentLogger() });
    const app = createCrmApp({
      storage, connectors: { bitrix24: connector }, queue, logger: createSilentLogger(), publicUrl: 'http://127.0.0.1:1', defaultLang: 'en',
      autoSync: false, setupRetryMs: 1, onProgress: (_id, report) => progress.push(report),
    });

    const installation = await app.install({ lang: 'en', input: { crm: 'bitrix24', externalId: 'm-setup', domain: 'a.bitrix24.com', clientEndpoint: 'https://a.bitrix24.com/rest/' } });
    // Answered without waiting for setup: its first attempt is still held open here.
    expect(installation.status).toBe('active');
    await firstAttemptStarted;
    expect(setUp).toHaveBeenCalledTimes(1);
    release();
    await queue.idle();
    expect(setUp).toHaveBeenCalledTimes(2);
    expect(progress).toEqual([
      { stream: 'setup', rows: 1, done: false },
      { stream: 'setup', rows: 2, done: false },
      { stream: 'setup', rows: 2, done: true },
    ]);
    expect((await storage.installations.get(installation.id))?.settings.bitrix24).toEqual({ ready: true });
    await queue.close();
  });

  it('keeps the first full pass of an install when an update event asks for setup while the install\'s setup waits', async () => {
    const setUp = jest.fn<ReturnType<CrmSession['setUp']>, Parameters<CrmSession['setUp']>>().mockResolvedValue({ slot: { ready: true }, created: {} });
    const connector = connectorWith(setUp);
    // One job at a time, held busy, so the install's setup waits in the queue under its key.
    const queue = createJobQueue({ concurrency: 1, logger: createSilentLogger() });
    let unblock!: () => void;
    queue.enqueue('busy', () => new Promise<void>((resolve) => (unblock = resolve)));
    const cycles: string[] = [];
    queue.handle('cycle', async (data) => {
      cycles.push(`${data.installationId}:${data.mode}`);
    });
    const app = createCrmApp({ storage, connectors: { bitrix24: connector }, queue, logger: createSilentLogger(), publicUrl: 'http://127.0.0.1:1', defaultLang: 'en', autoSync: true, setupRetryMs: 1 });

    const installation = await app.install({ lang: 'en', input: { crm: 'bitrix24', externalId: 'm-coalesce', domain: 'b.bitrix24.com', clientEndpoint: 'https://b.bitrix24.com/rest/' } });
    // ONAPPUPDATE (or ONAPPINSTALL's own setup) arrives while the installer's setup still waits: the two coalesce.
    await app.applyInbound({ installation, effects: [{ type: 'updated', applicationToken: null }] });
    unblock();
    await queue.idle();
    expect(setUp).toHaveBeenCalledTimes(1);
    expect(cycles).toEqual([`${installation.id}:full`]);
    await queue.close();
  });
  it('sets up an install announced only by ONAPPINSTALL (no installer frame) and follows it with the first full pass', async () => {
    const setUp = jest.fn<ReturnType<CrmSession['setUp']>, Parameters<CrmSession['setUp']>>().mockResolvedValue({ slot: { ready: true }, created: {} });
    const connector = connectorWith(setUp);
    const queue = createJobQueue({ concurrency: 1, logger: createSilentLogger() });
    const cycles: string[] = [];
    queue.handle('cycle', async (data) => {
      cycles.push(`${data.installationId}:${data.mode}`);
    });
    const app = createCrmApp({ storage, connectors: { bitrix24: connector }, queue, logger: createSilentLogger(), publicUrl: 'http://127.0.0.1:1', defaultLang: 'en', autoSync: true, setupRetryMs: 1 });

    await app.applyInbound({
      installation: null,
      effects: [{ type: 'install', setUp: true, input: { crm: 'bitrix24', externalId: 'm-event-only', domain: 'c.bitrix24.com', clientEndpoint: 'https://c.bitrix24.com/rest/', settings: { lang: 'en' } } }],
    });
    await queue.idle();
    const stored = await storage.installations.findByExternalId('bitrix24', 'm-event-only');
    expect(setUp).toHaveBeenCalledTimes(1);
    expect(cycles).toEqual([`${stored?.id}:full`]);
    await queue.close();
  });
});
