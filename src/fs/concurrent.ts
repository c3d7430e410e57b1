/**
 * Runs `fn` over `items` with at most `limit` calls in flight. Reading an image is latency-bound
 * (one lstat or read at a time leaves the disk and the thread pool idle), so the walk and the
 * content pass keep a few requests going. Results keep the items' order.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
