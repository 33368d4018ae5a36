/** Left-aligned text columns and right-aligned numbers, widths from the longest cell (for printed reports). */
export function textTable(rows: readonly string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  const pad = (cell: string, i: number) => {
    const gap = ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...cell].length));
    return rightAligned.has(i) ? gap + cell : cell + gap;
  };
  return rows.map((row) => row.map(pad).join('  ').trimEnd());
}
