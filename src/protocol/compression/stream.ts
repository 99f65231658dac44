import type { Transform } from 'node:stream';
import type { CompressionType } from './compression-type.js';
import { DecompressionError, type ChunkSink } from './errors.js';

/**
 * Runs a zlib decompression stream (gunzip, or zstd where node's zlib has it) over `data`,
 * handing each output chunk to `sink`; destroys the stream as soon as the sink returns false.
 * Resolves once the stream ended or was stopped; rejects with DecompressionError('corrupt')
 * when the codec refuses the input (including input that ends mid-stream).
 */
export function pumpInflate(stream: Transform, data: Uint8Array, sink: ChunkSink, codec: CompressionType): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let stopped = false;
    stream.on('data', (chunk: Buffer) => {
      if (stopped) return;
      if (!sink.push(chunk, 0, chunk.length)) {
        stopped = true;
        stream.destroy();
        resolve();
      }
    });
    stream.on('error', (err: Error) => {
      if (stopped) return;
      stopped = true;
      reject(new DecompressionError(codec, 'corrupt', err.message));
    });
    stream.on('end', () => {
      if (stopped) return;
      stopped = true;
      resolve();
    });
    stream.end(data);
  });
}
