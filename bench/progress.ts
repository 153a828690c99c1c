/**
 * A one-line progress bar on stderr (stdout stays clean for --json). Silent
 * when stderr is not a terminal, except for a line per 10% so CI logs move.
 */
export class Progress {
  private done = 0;
  private lastDecile = -1;
  private readonly start = Date.now();

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  tick(label: string): void {
    this.done = Math.min(this.done + 1, this.total);
    const frac = this.total === 0 ? 1 : this.done / this.total;
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = frac > 0 ? elapsed / frac - elapsed : 0;
    const status = `${this.done}/${this.total} ${elapsed.toFixed(0)}s elapsed, ~${eta.toFixed(0)}s left  ${label}`;
    if (this.stream.isTTY) {
      const width = 24;
      const filled = Math.round(frac * width);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${status}`;
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 100) - 1).padEnd((this.stream.columns ?? 100) - 1)}`);
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        this.stream.write(`bench ${Math.round(frac * 100)}% ${status}\n`);
      }
    }
  }

  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
