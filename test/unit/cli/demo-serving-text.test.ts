import { openCardLine } from '../../../src/cli/demo-report';
import { workersText } from '../../../src/cli/demo-workers';

/** The lines `kam demo` prints once it serves, and its workers line, speak the report's language. */
describe('kam demo serving and workers lines', () => {
  it('points a Bitrix24 reader at a card with the tab and an amoCRM reader at the sandbox state, in their language', () => {
    expect(openCardLine('ru', 'bitrix24', 'http://x/open')).toBe('Откройте карточку с вкладкой приложения в браузере: http://x/open');
    expect(openCardLine('en', 'bitrix24', 'http://x/open')).toBe("Open a card with the app's tab in a browser: http://x/open");
    expect(openCardLine('ru', 'amocrm', 'http://x/state')).toMatch(/^Состояние песочницы .*http:\/\/x\/state$/);
  });

  it('names the processes with their plural, the killed worker and its phase, and the retries', () => {
    expect(workersText('ru', 3, { pid: 42, phase: 'writeBack' }, 1)).toBe(
      'Хранилище: PostgreSQL · 3 рабочих процесса · процесс 42 остановлен (SIGKILL) во время записи в CRM прохода 1, его задачу взял другой · задач выполнено повторно: 1\n',
    );
    expect(workersText('en', 1, null, 0)).toBe('Storage: PostgreSQL · 1 worker process · jobs retried: 0\n');
    expect(workersText('en', 5, { pid: 7, phase: 'sync' }, 2)).toContain('5 worker processes · worker 7 killed during sync of pass 1');
  });
});
