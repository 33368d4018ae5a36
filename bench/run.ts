import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs benchmarks: `npm run bench -- <name> [args]` runs bench/<name>.bench.ts; with no name,
 * every bench in turn. Each bench module exports `run(args: string[]): Promise<void>` and
 * prints its own figures (they go to docs/BENCHMARKS.md by hand, with the command).
 */
interface BenchModule {
  run(args: string[]): Promise<void>;
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const available = readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.ts'))
    .map((file) => file.replace(/\.bench\.ts$/, ''))
    .sort();
  const chosen = name && !name.startsWith('-') ? [name] : available;
  for (const bench of chosen) {
    if (!available.includes(bench)) {
      throw new Error(`unknown bench "${bench}"; available: ${available.join(', ') || '(none)'}`);
    }
    process.stdout.write(`\n## bench: ${bench}\n`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(__dirname, `${bench}.bench.ts`)) as BenchModule;
    await mod.run(name === bench ? rest : []);
  }
}
