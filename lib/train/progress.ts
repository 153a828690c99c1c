/**
 * A tiny progress bar on stderr. On a terminal it redraws one line (at most
 * every 100 ms); otherwise it prints one line when done, so logs stay clean.
 */
export class ProgressBar {
  readonly #label: string;
  readonly #stream: NodeJS.WriteStream;
  readonly #start = performance.now();
  #last = 0;

  constructor(label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#stream = stream;
  }

  update(done: number, total: number, note = ''): void {
    const now = performance.now();
    if (!this.#stream.isTTY || (now - this.#last < 100 && done < total)) return;
    this.#last = now;
    const width = 24;
    const filled = Math.round((width * done) / total);
    const line = `${this.#label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${this.#elapsed()} ${note}`;
    this.#stream.write(`\r${line.padEnd(78)}`);
  }

  /** `seconds`: the time to report instead of the time since the bar was made (work done in turns). */
  done(note = '', seconds?: number): void {
    const line = `${this.#label} done in ${seconds === undefined ? this.#elapsed() : `${seconds.toFixed(1)}s`} ${note}`;
    this.#stream.write(this.#stream.isTTY ? `\r${line.padEnd(78)}\n` : `${line}\n`);
  }

  #elapsed(): string {
    return `${((performance.now() - this.#start) / 1000).toFixed(1)}s`;
  }
}
