import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Resident memory of processes by pid, sampled on an interval from /proc/<pid>/status (VmRSS),
 * and the CPU time they used, from /proc/<pid>/stat (utime + stime). Linux only: elsewhere
 * nothing is sampled and the figures read as unknown.
 */
export interface RssSummary {
  label: string;
  pid: number;
  samples: number;
  /** Megabytes. */
  peakMb: number;
  meanMb: number;
}

export function rssOf(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

let ticksPerSecond: number | null = null;
const clockTicks = (): number => {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
};

/** CPU seconds (user + system) the process has used so far; null when it cannot be read. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm) ": state is the 3rd field overall, utime the 14th, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / clockTicks();
  } catch {
    return null;
  }
}

export function startRssSampler(processes: Array<{ label: string; pid: number }>, intervalMs = 1000) {
  const seen = processes.map((entry) => ({ ...entry, values: [] as number[] }));
  const sample = (): void => {
    for (const entry of seen) {
      const mb = rssOf(entry.pid);
      if (mb !== null) entry.values.push(mb);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop(): RssSummary[] {
      clearInterval(timer);
      sample();
      return seen.map((entry) => ({
        label: entry.label,
        pid: entry.pid,
        samples: entry.values.length,
        peakMb: entry.values.length ? Math.max(...entry.values) : Number.NaN,
        meanMb: entry.values.length ? entry.values.reduce((a, b) => a + b, 0) / entry.values.length : Number.NaN,
      }));
    },
  };
}
