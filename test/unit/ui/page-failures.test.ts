import { i18n } from '../../../src/core/i18n/messages';
import { failureText } from '../../../src/ui/app/i18n';

/**
 * What the pages (card tab, portfolio, settings) say when a request fails: a catalogue sentence in
 * the reader's language chosen by the answer's status, never the server's own message.
 */
describe('page request failures', () => {
  it('names each failure in both languages, with what to do', () => {
    const ru = i18n('ru').pages;
    const en = i18n('en').pages;
    expect(failureText(ru, 401)).toBe('CRM не подтвердила пользователя. Откройте страницу из CRM заново.');
    expect(failureText(en, 403)).toBe('Only a portal administrator can change the KAM Pilot settings. Ask your administrator.');
    expect(failureText(en, 404)).toMatch(/^KAM Pilot does not know this portal\./);
    expect(failureText(ru, 429)).toBe('Слишком много запросов. Попробуйте через минуту.');
    expect(failureText(en, 503)).toBe('This section is not connected on this server yet.');
    expect(failureText(ru, 0)).toMatch(/^Нет связи с сервером KAM Pilot/);
    for (const status of [500, 502, 504]) expect(failureText(en, status)).toMatch(/^The KAM Pilot server is not answering properly/);
    for (const status of [400, 409, 413]) expect(failureText(ru, status)).toMatch(/^Сервер KAM Pilot не принял запрос/);
  });

  it('has a distinct sentence for every kind, the same kinds in both languages', () => {
    const statuses = [0, 400, 401, 403, 404, 429, 500, 503];
    for (const lang of ['ru', 'en'] as const) {
      const texts = statuses.map((status) => failureText(i18n(lang).pages, status));
      expect(new Set(texts).size).toBe(statuses.length);
      expect(texts.every((text) => text.length > 20 && !/[A-Z_]{6,}|Error|undefined/.test(text))).toBe(true);
    }
  });
});
