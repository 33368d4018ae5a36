import fc from 'fast-check';
import { portalOffsetOf, portalTimeMs, shiftPortalTime } from '../../../src/connectors/bitrix24/bitrix24-time';

/** Real-world offsets in minutes, including the odd ones (India, Nepal, Newfoundland, Chatham). */
const OFFSETS = [-720, -600, -570, -300, -210, 0, 60, 180, 270, 330, 345, 420, 540, 765, 840];

const pad = (value: number) => String(value).padStart(2, '0');
const formatOffset = (minutes: number) => `${minutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
/** How a portal writes an instant in its own zone: local wall time plus its offset. */
const portalText = (utcMs: number, offsetMinutes: number) => `${new Date(utcMs + offsetMinutes * 60_000).toISOString().slice(0, 19)}${formatOffset(offsetMinutes)}`;

describe('shiftPortalTime', () => {
  it('shifts and keeps the portal offset', () => {
    expect(shiftPortalTime('2026-11-22T12:00:10+03:00', -10 * 60_000)).toBe('2026-11-22T11:50:10+03:00');
    expect(shiftPortalTime('2026-11-22T12:00:10-05:00', 90 * 60_000)).toBe('2026-11-22T13:30:10-05:00');
  });

  it('crosses day, month and year boundaries in local time, not in UTC', () => {
    expect(shiftPortalTime('2026-01-01T00:05:00+03:00', -10 * 60_000)).toBe('2025-12-31T23:55:00+03:00');
    expect(shiftPortalTime('2026-02-28T23:59:59+14:00', 1_000)).toBe('2026-03-01T00:00:00+14:00');
    expect(shiftPortalTime('2028-02-28T23:30:00-09:30', 60 * 60_000)).toBe('2028-02-29T00:30:00-09:30');
  });

  it('normalizes a compact offset and Z, keeping their meaning', () => {
    expect(shiftPortalTime('2026-11-22T12:00:10+0300', 0)).toBe('2026-11-22T12:00:10+03:00');
    expect(shiftPortalTime('2026-11-22T12:00:10Z', -1_000)).toBe('2026-11-22T12:00:09+00:00');
    expect(shiftPortalTime('2026-11-22 12:00:10+03:00', 0)).toBe('2026-11-22T12:00:10+03:00');
  });

  it('returns what it cannot read unchanged', () => {
    expect(shiftPortalTime('22.11.2026 12:00:10', -60_000)).toBe('22.11.2026 12:00:10');
    expect(shiftPortalTime('', -60_000)).toBe('');
  });

  it('moves the instant by exactly delta and keeps the offset text, for any offset (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2040, 0, 1) / 1000 }),
        fc.constantFrom(...OFFSETS),
        fc.integer({ min: -30 * 86_400, max: 30 * 86_400 }),
        (seconds, offset, deltaSeconds) => {
          const value = portalText(seconds * 1000, offset);
          const shifted = shiftPortalTime(value, deltaSeconds * 1000);
          expect(shifted.slice(19)).toBe(formatOffset(offset));
          expect(portalTimeMs(shifted)).toBe(seconds * 1000 + deltaSeconds * 1000);
          expect(shifted).toBe(portalText((seconds + deltaSeconds) * 1000, offset));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps an offset-less value as portal wall time: shifted, never stamped +00:00 (UTC)', () => {
    expect(shiftPortalTime('2026-11-22 12:00:10', -10 * 60_000)).toBe('2026-11-22T11:50:10');
    expect(shiftPortalTime('2026-01-01T00:05:00', -10 * 60_000)).toBe('2025-12-31T23:55:00');
  });
});

describe('portalTimeMs', () => {
  it('orders instants across offsets by the real instant, not the wall time', () => {
    const moscowNoon = '2026-11-22T12:00:00+03:00'; // 09:00Z
    const londonTen = '2026-11-22T10:00:00+00:00'; // 10:00Z
    const newYorkFour = '2026-11-22T04:30:00-05:00'; // 09:30Z
    expect(portalTimeMs(moscowNoon)).toBeLessThan(portalTimeMs(londonTen));
    const sorted = [londonTen, moscowNoon, newYorkFour].sort((a, b) => portalTimeMs(a) - portalTimeMs(b));
    expect(sorted).toEqual([moscowNoon, newYorkFour, londonTen]);
  });

  it('reads an offset-less value in the portal zone learned from the answer, not as UTC', () => {
    const offset = portalOffsetOf({ start: 1763802000, date_start: '2026-11-22T12:00:10+03:00' });
    expect(offset).toBe('+03:00');
    // Noon in Moscow is 09:00Z; the same wall time with an explicit offset is the same instant.
    expect(portalTimeMs('2026-11-22 12:00:00', offset)).toBe(Date.UTC(2026, 10, 22, 9));
    expect(portalTimeMs('2026-11-22 12:00:00', offset)).toBe(portalTimeMs('2026-11-22T12:00:00+03:00'));
    expect(portalTimeMs('2026-11-22T12:00:00', portalOffsetOf({ date_start: '2026-11-22T01:00:00-0930' }))).toBe(Date.UTC(2026, 10, 22, 21, 30));
    // Offset-less ordering against offset values follows the real instants.
    const moscowTen = '2026-11-22 10:00:00'; // 07:00Z in a Moscow portal
    expect(portalTimeMs(moscowTen, offset)).toBeLessThan(portalTimeMs('2026-11-22T08:00:00+00:00'));
  });

  it('learns no offset from an answer without a readable time block', () => {
    expect(portalOffsetOf(undefined)).toBeNull();
    expect(portalOffsetOf({ date_start: 'yesterday' })).toBeNull();
    expect(portalOffsetOf({ date_start: '2026-11-22T12:00:10' })).toBeNull();
    expect(portalOffsetOf({ date_start: '2026-11-22T12:00:10Z' })).toBe('+00:00');
  });

  it('reads a space separator and maps garbage to 0', () => {
    expect(portalTimeMs('2026-11-22 12:00:00+03:00')).toBe(Date.UTC(2026, 10, 22, 9));
    expect(portalTimeMs('not a date')).toBe(0);
  });

  it('orders like the instants they denote (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 946_684_800, max: 2_208_988_800 }),
        fc.integer({ min: 946_684_800, max: 2_208_988_800 }),
        fc.constantFrom(...OFFSETS),
        fc.constantFrom(...OFFSETS),
        (a, b, offsetA, offsetB) => {
          const left = portalText(a * 1000, offsetA);
          const right = portalText(b * 1000, offsetB);
          expect(Math.sign(portalTimeMs(left) - portalTimeMs(right))).toBe(Math.sign(a - b));
        },
      ),
      { numRuns: 200 },
    );
  });
});
