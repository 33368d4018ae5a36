import { createFaultInjector, parseFaultSpec } from '../../../src/sandbox/shared/faults';
import { createSandboxStats } from '../../../src/sandbox/shared/stats';

describe('parseFaultSpec', () => {
  it('reads shares and the seed', () => {
    const parsed = parseFaultSpec('500=0.05,hang=0.01,cut=0.01,expire=0.02,503=0.1,429=0.1,seed=3');
    expect(parsed.ok && parsed.value).toEqual({ rates: { '500': 0.05, hang: 0.01, cut: 0.01, expire: 0.02, '503': 0.1, '429': 0.1 }, seed: 3 });
  });

  it.each(['500=2', 'boom=0.1', '500', '500=0.6,503=0.6', 'seed=1.5'])('refuses "%s" with INPUT_INVALID', (spec) => {
    const parsed = parseFaultSpec(spec);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toBe('INPUT_INVALID');
  });
});

describe('createFaultInjector', () => {
  const spec = parseFaultSpec('500=0.2,503=0.1,seed=9');
  if (!spec.ok) throw spec.error;

  it('is deterministic for a seed and hits about the configured shares', () => {
    const a = createFaultInjector(spec.value);
    const b = createFaultInjector(spec.value);
    const picksA = Array.from({ length: 5000 }, () => a.pick());
    const picksB = Array.from({ length: 5000 }, () => b.pick());
    expect(picksA).toEqual(picksB);
    expect(picksA.filter((p) => p === '500').length / 5000).toBeCloseTo(0.2, 1);
    expect(picksA.filter((p) => p === '503').length / 5000).toBeCloseTo(0.1, 1);
    expect(picksA.filter((p) => p === 'hang').length).toBe(0);
  });

  it('can be changed at runtime and switched off', () => {
    const injector = createFaultInjector();
    expect(injector.pick()).toBeNull();
    injector.set(spec.value);
    expect(Array.from({ length: 100 }, () => injector.pick()).some((p) => p !== null)).toBe(true);
    const off = parseFaultSpec('');
    if (off.ok) injector.set(off.value);
    expect(Array.from({ length: 100 }, () => injector.pick()).every((p) => p === null)).toBe(true);
  });
});

describe('createSandboxStats', () => {
  it('counts requests per method and rejections per code, and resets', () => {
    const stats = createSandboxStats();
    stats.record('crm.deal.list');
    stats.record('crm.deal.list', 'QUERY_LIMIT_EXCEEDED');
    stats.record('batch');
    expect(stats.snapshot()).toEqual({ requests: 3, byMethod: { 'crm.deal.list': 2, batch: 1 }, rejections: { QUERY_LIMIT_EXCEEDED: 1 } });
    stats.reset();
    expect(stats.snapshot()).toEqual({ requests: 0, byMethod: {}, rejections: {} });
  });
});
