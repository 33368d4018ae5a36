import type { LaneClock } from '../../src/connectors/shared/check-lane';

/** Lets promise chains run (a few macrotask turns: awaits inside the work settle). */
export const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

/** A lane clock that only moves when the test moves it; timers fire in time order on the way. */
export class ManualLaneClock implements LaneClock {
  private time = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private ids = 0;

  now = (): number => this.time;

  after = (ms: number, fn: () => void): (() => void) => {
    const id = (this.ids += 1);
    this.timers.push({ at: this.time + Math.max(0, ms), fn, id });
    return () => {
      this.timers = this.timers.filter((timer) => timer.id !== id);
    };
  };

  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = target;
    await settle();
  }
}
