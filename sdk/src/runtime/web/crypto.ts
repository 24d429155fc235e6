// `crypto.getRandomValues` and `crypto.randomUUID`, with bytes from the host's CSPRNG. Bytes are
// fetched a pool at a time through a synchronous bridge call, so a UUID does not cross the bridge.
import { DOMException } from './dom-exception.js';
import type { SubtleCrypto } from './subtle-crypto.js';

/** Answers `n` random bytes from the host's CSPRNG (a synchronous bridge call). */
export type RandomSource = (n: number) => Uint8Array;

const POOL_BYTES = 4096;
const MAX_REQUEST = 65536;
const INTEGER_ARRAYS = new Set([
  '[object Int8Array]',
  '[object Uint8Array]',
  '[object Uint8ClampedArray]',
  '[object Int16Array]',
  '[object Uint16Array]',
  '[object Int32Array]',
  '[object Uint32Array]',
  '[object BigInt64Array]',
  '[object BigUint64Array]',
]);
const HEX = Array.from({ length: 256 }, (_, i) => (i + 0x100).toString(16).slice(1));

/** Random bytes handed out from a pool, refilled from the host when it runs dry. */
export class RandomPool {
  #pool: Uint8Array = new Uint8Array(0);
  #at = 0;
  constructor(private readonly source: RandomSource) {}

  /** Copies `n` fresh random bytes into `target` (each byte is handed out once). */
  fill(target: Uint8Array): void {
    let done = 0;
    while (done < target.length) {
      if (this.#at >= this.#pool.length) this.#refill(target.length - done);
      const n = Math.min(target.length - done, this.#pool.length - this.#at);
      target.set(this.#pool.subarray(this.#at, this.#at + n), done);
      // Spent bytes are wiped, so nothing later in this isolate can read them back.
      this.#pool.fill(0, this.#at, this.#at + n);
      this.#at += n;
      done += n;
    }
  }

  #refill(wanted: number): void {
    const size = Math.min(MAX_REQUEST, Math.max(POOL_BYTES, wanted));
    const bytes = this.source(size);
    if (!(bytes instanceof Uint8Array) || bytes.length !== size) throw new DOMException('the host did not provide random bytes', 'OperationError');
    this.#pool = bytes;
    this.#at = 0;
  }
}

/** The Web Crypto `Crypto` object: random values, UUIDs and `subtle` (loaded on first use). */
export class Crypto {
  readonly #pool: RandomPool;
  readonly #subtle: () => SubtleCrypto;
  constructor(pool: RandomPool, subtle: () => SubtleCrypto) {
    this.#pool = pool;
    this.#subtle = subtle;
  }
  get subtle(): SubtleCrypto {
    return this.#subtle();
  }
  getRandomValues<T extends ArrayBufferView | null>(array: T): T {
    if (!ArrayBuffer.isView(array) || !INTEGER_ARRAYS.has(Object.prototype.toString.call(array))) {
      throw new DOMException("Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is not an integer array type.", 'TypeMismatchError');
    }
    if (array.byteLength > MAX_REQUEST) {
      throw new DOMException(
        `Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536).`,
        'QuotaExceededError',
      );
    }
    this.#pool.fill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    return array;
  }
  randomUUID(): string {
    const b = new Uint8Array(16);
    this.#pool.fill(b);
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = (i: number): string => HEX[b[i]!]!;
    return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
  }
  get [Symbol.toStringTag](): string {
    return 'Crypto';
  }
}
