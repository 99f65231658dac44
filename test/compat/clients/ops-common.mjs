// What the Node ops drivers share: JSON lines out, and delivery reports of one send call.

export const out = (fields) => console.log(JSON.stringify(fields));

/**
 * Reports records start..end-1 of one send: `chosen` holds the partition the client's
 * partitioner picked for each, `baseOffsets` the first offset the broker gave each partition;
 * records of a partition take consecutive offsets in send order. Returns how many it reported.
 */
export function reportDeliveries(chosen, baseOffsets, start, end) {
  const next = new Map(baseOffsets);
  for (let i = start; i < end; i++) {
    const partition = chosen[i - start];
    const offset = next.get(partition);
    if (offset === undefined) throw new Error(`no produce response for partition ${partition}`);
    next.set(partition, offset + 1n);
    out({ op: 'produce', i, partition, offset: Number(offset) });
  }
  return end - start;
}
