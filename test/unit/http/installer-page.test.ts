import { renderInstallerPage } from '../../../src/ui/installer.page';

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
});
