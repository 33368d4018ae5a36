import { childExecArgv, restartPauseMs } from '../../../src/cli/serve-cluster';
import { parseProcesses } from '../../../src/cli/serve.command';

describe('kam serve --processes', () => {
  it('gives the children the parent node options without its -e / -p code', () => {
    expect(childExecArgv(['--max-old-space-size=512', '-e', 'require(x)', '--enable-source-maps'])).toEqual(['--max-old-space-size=512', '--enable-source-maps']);
    expect(childExecArgv(['--eval=code', '-p', '1+1', '--import', 'tsx'])).toEqual(['--import', 'tsx']);
  });

  it('restarts a child that lived long at once, and one dying young after a pause that doubles to 30 s', () => {
    expect(restartPauseMs(60_000, 0)).toBe(0);
    expect([1, 2, 3, 4, 5, 6, 7].map((deaths) => restartPauseMs(500, deaths))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('takes 1 to 64 processes and names the range otherwise', () => {
    expect(parseProcesses('4')).toBe(4);
    for (const bad of ['0', '65', '1.5', 'two']) expect(() => parseProcesses(bad)).toThrow('from 1 to 64');
  });
});
