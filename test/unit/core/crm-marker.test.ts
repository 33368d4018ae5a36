import { carriesMarker, legacyMarkerFor, markerFor, markerIn, visibleText, withMarker } from '../../../src/core/ports/crm-writer.port';

describe('the write-back marker', () => {
  it('is made only of characters no renderer draws (Unicode format characters, Cf)', () => {
    const marker = markerFor('todo:company:42:r1:2026-10');
    expect(marker).toHaveLength(34);
    expect([...marker].every((char) => /\p{Cf}/u.test(char))).toBe(true);
    expect(withMarker('Call the buyer', 'k').replace(/\p{Cf}/gu, '')).toBe('Call the buyer');
  });

  it('tells keys apart, also keys one character apart', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `todo:company:${i}:r1:2026-10`);
    expect(new Set(keys.map(markerFor)).size).toBe(keys.length);
    expect(markerFor('comment:company:1:2026-10')).not.toBe(markerFor('comment:company:1:2026-11'));
    expect(carriesMarker(withMarker('text', 'a:1'), 'a:1')).toBe(true);
    expect(carriesMarker(withMarker('text', 'a:1'), 'a:2')).toBe(false);
  });

  it('finds the visible marker an older version wrote, and hides both from the reader', () => {
    const old = `Позвонить клиенту\n${legacyMarkerFor('todo:company:7:r2:2026-09')}`;
    expect(carriesMarker(old, 'todo:company:7:r2:2026-09')).toBe(true);
    expect(carriesMarker(old, 'todo:company:7:r2:2026-10')).toBe(false);
    expect(markerIn(old)).toBe('[kam:todo:company:7:r2:2026-09]');
    expect(markerIn(withMarker('x', 'k'))).toBe(markerFor('k'));
    expect(markerIn('no marker here')).toBeNull();
    expect(visibleText(old)).toBe('Позвонить клиенту');
    expect(visibleText(withMarker('Call the buyer', 'k'))).toBe('Call the buyer');
  });
});
