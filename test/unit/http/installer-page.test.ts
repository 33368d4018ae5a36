import { installProgressText, renderInstallerPage } from '../../../src/ui/installer.page';

describe('installer frame page', () => {
  it('speaks the portal language from the catalogue, and shows a failure as given', () => {
    const ru = renderInstallerPage({ lang: 'ru', ok: true, statusUrl: '/status', nonce: 'n' });
    expect(ru).toContain('<html lang="ru">');
    expect(ru).toContain('<h1>KAM Pilot установлен</h1>');
    expect(ru).toContain('затем первая синхронизация');
    const en = renderInstallerPage({ lang: 'en', ok: true, statusUrl: '/status', nonce: 'n' });
    expect(en).toContain('<h1>KAM Pilot is installed</h1>');
    expect(en).not.toMatch(/[а-яё]/i);
    const failed = renderInstallerPage({ lang: 'en', ok: false, message: 'Portal <unknown>', nonce: 'n' });
    expect(failed).toContain('<h1>Installation failed</h1><p>Portal &lt;unknown&gt;</p>');
  });

  it('words the setup and the first sync\'s progress in the page\'s language, numbers by Intl, never the streams\' ids', () => {
    const running = { done: false, streams: { company: 1200, contact: 30, deal: 0 }, setupAttempt: null };
    expect(installProgressText('en', running)).toBe('Companies: 1,200 · Contacts: 30 · Deals: 0');
    expect(installProgressText('ru', running)).toBe('Компании: 1\u00a0200 · Контакты: 30 · Сделки: 0');
    expect(installProgressText('en', { ...running, setupAttempt: 1 })).toBe('Setting up the portal · Companies: 1,200 · Contacts: 30 · Deals: 0');
    expect(installProgressText('ru', { ...running, setupAttempt: 3 })).toMatch(/^Настраиваем портал, попытка 3 · Компании/);
    expect(installProgressText('ru', { ...running, done: true })).toMatch(/ · Первая синхронизация завершена$/);
    expect(installProgressText('en', { ...running, done: true })).toMatch(/ · First sync finished$/);
    for (const lang of ['ru', 'en'] as const) expect(installProgressText(lang, { ...running, setupAttempt: 2 })).not.toMatch(/\b(company|contact|deal|setup)\b|\(attempt/);
  });

  it('links the status poll with the page\'s language', () => {
    const page = renderInstallerPage({ lang: 'ru', ok: true, statusUrl: '/bitrix24/install/status?i=1&s=x&LANG=ru', nonce: 'n' });
    expect(page).toContain('fetch("/bitrix24/install/status?i=1&s=x&LANG=ru")');
  });
});
