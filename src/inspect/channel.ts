/**
 * A one-slot hand-over of chunks from a producer that pushes (a tar reader visiting an entry's
 * data) to a consumer that pulls (a decompressor, the member's scanner). push() resolves once the
 * consumer has taken the chunk, so at most one chunk waits; a consumer that stops early abandons
 * the channel and later pushes are dropped (the producer reads on to the next entry).
 */
export class Channel implements AsyncIterable<Buffer> {
  private slot: Buffer | undefined;
  private ended = false;
  private failure: unknown;
  private abandoned = false;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  /** Hands `chunk` over; resolves when it was taken (or dropped: the consumer has stopped). */
  async push(chunk: Buffer): Promise<void> {
    while (this.slot !== undefined && !this.abandoned)
      await new Promise<void>((r) => (this.wakeProducer = r));
    if (this.abandoned || this.ended) return;
    this.slot = chunk;
    this.wake();
    while (this.slot !== undefined && !this.abandoned)
      await new Promise<void>((r) => (this.wakeProducer = r));
  }

  /** No more chunks. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The producer failed: the consumer's next pull throws `e`. */
  fail(e: unknown): void {
    this.failure = e ?? new Error("channel failed");
    this.ended = true;
    this.wake();
  }

  /** Whether the consumer stopped before the end. */
  get stopped(): boolean {
    return this.abandoned;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        while (this.slot === undefined && !this.ended)
          await new Promise<void>((r) => (this.wakeConsumer = r));
        const chunk = this.slot;
        if (chunk !== undefined) {
          this.slot = undefined;
          this.wakeProducer?.();
          yield chunk;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        return;
      }
    } finally {
      this.abandoned = true;
      this.slot = undefined;
      this.wakeProducer?.();
    }
  }

  private wake(): void {
    const w = this.wakeConsumer;
    this.wakeConsumer = undefined;
    w?.();
  }
}
