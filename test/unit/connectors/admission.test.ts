import { createAdmission } from '../../../src/connectors/shared/admission';

describe('admission per key', () => {
  it('admits `limit` per key in a window, keys apart, and again once the window moved on', () => {
    let now = 0;
    const admission = createAdmission({ limit: 3, windowMs: 1000, now: () => now });
    expect([1, 2, 3, 4].map(() => admission.admit('ip:10.0.0.1'))).toEqual([true, true, true, false]);
    // Another source is not touched by the first one's flood.
    expect(admission.admit('ip:10.0.0.2')).toBe(true);
    now = 1001;
    expect(admission.admit('ip:10.0.0.1')).toBe(true);
  });

  it('keeps at most maxKeys keys, dropping the idlest', () => {
    const admission = createAdmission({ limit: 1, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 1000; i += 1) admission.admit(`token:${i}`);
    expect(admission.size()).toBe(100);
    // The newest keys are still remembered.
    expect(admission.admit('token:999')).toBe(false);
  });
});
