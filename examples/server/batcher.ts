/**
 * Dynamic batching: requests wait up to `maxWaitMs` (or until `maxBatch` rows
 * are waiting), then run as one batched forward pass on the compute queue.
 * One batch is in flight at a time; the next one fills while it runs. A batch
 * that fails runs again one row at a time, so a row that fails fails alone.
 */
export interface BatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
}

interface Pending {
  row: Float32Array;
  resolve: (out: Float32Array) => void;
  reject: (error: unknown) => void;
}

export class Batcher {
  readonly #queue: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #closed = false;

  constructor(
    private readonly forward: (batch: Float32Array, rows: number) => Promise<Float32Array>,
    private readonly inFeatures: number,
    private readonly outFeatures: number,
    private readonly options: BatcherOptions,
  ) {}

  /** Queues one input row; resolves with its output row. */
  submit(row: Float32Array): Promise<Float32Array> {
    if (this.#closed) return Promise.reject(new Error('server is shutting down'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once every queued request has been answered. */
  async drain(): Promise<void> {
    this.#closed = true;
    while (this.#queue.length > 0 || this.#running) {
      this.#schedule(true);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  #schedule(now = false): void {
    if (this.#running || this.#queue.length === 0) return;
    if (now || this.#queue.length >= this.options.maxBatch || this.options.maxWaitMs <= 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#run();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        void this.#run();
      }, this.options.maxWaitMs);
    }
  }

  async #run(): Promise<void> {
    if (this.#running || this.#queue.length === 0) return;
    this.#running = true;
    const batch = this.#queue.splice(0, this.options.maxBatch);
    const input = new Float32Array(batch.length * this.inFeatures);
    batch.forEach((p, i) => input.set(p.row, i * this.inFeatures));
    try {
      const out = await this.forward(input, batch.length);
      batch.forEach((p, i) => p.resolve(out.subarray(i * this.outFeatures, (i + 1) * this.outFeatures)));
    } catch (error) {
      if (batch.length === 1) batch[0].reject(error);
      else for (const p of batch) await this.forward(p.row, 1).then(p.resolve, p.reject);
    } finally {
      this.#running = false;
      this.#schedule(this.#closed);
    }
  }
}
