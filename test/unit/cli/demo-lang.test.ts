import { createProgram } from '../../../src/cli';
import { parseLang } from '../../../src/cli/demo.command';

/** Reliability 5 of issue 9: `kam demo --lang de` / `--lang EN` once crashed with a TypeError. */
describe('kam demo --lang', () => {
  it('normalises the case and spacing of ru and en', () => {
    expect(parseLang('EN')).toBe('en');
    expect(parseLang(' Ru ')).toBe('ru');
    expect(parseLang('en')).toBe('en');
  });

  it('refuses any other language with the choices, before the demo starts', async () => {
    expect(() => parseLang('de')).toThrow('the report is in ru or en, not "de"');
    const written: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await expect(createProgram().parseAsync(['node', 'kam', 'demo', '--lang', 'de'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    } finally {
      stderr.mockRestore();
    }
    expect(written.join('')).toContain('the report is in ru or en, not "de"');
    expect(written.join('')).not.toContain('TypeError');
  });
});
