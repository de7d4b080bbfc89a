/**
 * The Kafka client behind the live harness: @platformatic/kafka (see docs/harness.md for why).
 * Loaded lazily so `verify` and the library never pay for it. On Node < 22.15 node:zlib has no
 * zstd, so the client's zstd codec is backed by @bokuweb/zstd-wasm (no native build).
 */
import type * as Platformatic from '@platformatic/kafka';

export type KafkaModule = typeof Platformatic;

let loaded: Promise<KafkaModule> | null = null;

export function loadKafka(): Promise<KafkaModule> {
  loaded ??= (async () => {
    const kafka = await import('@platformatic/kafka');
    const zstd = kafka.compressionsAlgorithms.zstd as { available: boolean; compressSync: (d: unknown) => Buffer; decompressSync: (d: unknown) => Buffer };
    if (!zstd.available) {
      const wasm = await import('@bokuweb/zstd-wasm');
      await wasm.init();
      const bytes = (d: unknown): Uint8Array => (Buffer.isBuffer(d) ? d : (d as { buffer: Buffer }).buffer);
      zstd.compressSync = (d) => Buffer.from(wasm.compress(bytes(d), 3));
      zstd.decompressSync = (d) => Buffer.from(wasm.decompress(bytes(d)));
      zstd.available = true;
    }
    return kafka;
  })();
  return loaded;
}

export function parseBootstrap(s: string): string[] {
  const list = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (list.length === 0) throw new Error('--bootstrap needs HOST:PORT[,HOST:PORT…]');
  for (const b of list) {
    const host = b.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!/^(localhost|127\.\d+\.\d+\.\d+|::1)$/.test(host)) {
      // The harness drives a local test broker; refusing remote hosts keeps a typo from writing to a real cluster.
      throw new Error(`--bootstrap ${b}: only localhost brokers are allowed (set KSEG_HARNESS_ALLOW_REMOTE=1 to override)`);
    }
  }
  return list;
}

export function allowRemote(s: string): string[] {
  return process.env['KSEG_HARNESS_ALLOW_REMOTE'] === '1' ? s.split(',').map((x) => x.trim()).filter(Boolean) : parseBootstrap(s);
}
