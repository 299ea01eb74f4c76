/** Runs a walk to its end or its first error, keeping what it yielded before that. */
export async function collect<T>(walk: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of walk) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}
