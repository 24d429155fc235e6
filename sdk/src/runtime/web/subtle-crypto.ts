// `crypto.subtle` for the isolate: digest (SHA-1/256/384/512) and HMAC keys (import, generate,
// export, sign, verify), computed in the isolate with @noble/hashes (audited, no dependencies), which
// is evaluated the first time a plugin asks for a digest. The rest of Web Crypto (ciphers, key
// agreement, signatures) is refused with NotSupportedError rather than answered wrongly.
import { DOMException } from './dom-exception.js';
import { bytesOf } from './encoding.js';
import type { RandomPool } from './crypto.js';

interface Hash {
  (message: Uint8Array): Uint8Array;
  readonly blockLen: number;
  readonly outputLen: number;
}
interface Hashes {
  readonly hash: Readonly<Record<HashName, Hash>>;
  hmac(hash: Hash, key: Uint8Array, message: Uint8Array): Uint8Array;
}
type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
const HASH_NAMES: readonly HashName[] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];

let hashes: Hashes | undefined;
function loadHashes(): Hashes {
  if (hashes === undefined) {
    const sha2 = require('@noble/hashes/sha2.js') as Record<string, Hash>;
    const legacy = require('@noble/hashes/legacy.js') as Record<string, Hash>;
    const { hmac } = require('@noble/hashes/hmac.js') as Pick<Hashes, 'hmac'>;
    hashes = { hash: { 'SHA-1': legacy.sha1!, 'SHA-256': sha2.sha256!, 'SHA-384': sha2.sha384!, 'SHA-512': sha2.sha512! }, hmac };
  }
  return hashes;
}

type AlgorithmIdentifier = string | { name: string; hash?: AlgorithmIdentifier; length?: number };

function algorithmName(algorithm: AlgorithmIdentifier, what: string): string {
  const name = typeof algorithm === 'string' ? algorithm : algorithm?.name;
  if (typeof name !== 'string') throw new TypeError(`${what}: the algorithm must be a string or an object with a name`);
  return name.toUpperCase();
}

function hashName(algorithm: AlgorithmIdentifier, what: string): HashName {
  const name = algorithmName(algorithm, what);
  const known = HASH_NAMES.find((h) => h === name);
  if (known === undefined) throw new DOMException(`${what}: unsupported hash '${name}' (the sandbox has SHA-1, SHA-256, SHA-384 and SHA-512)`, 'NotSupportedError');
  return known;
}

const copyOut = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer;

/** An HMAC secret key; its bytes stay in the runtime's closure, never on the object. */
export class CryptoKey {
  readonly type = 'secret';
  readonly extractable: boolean;
  readonly algorithm: { readonly name: 'HMAC'; readonly hash: { readonly name: HashName }; readonly length: number };
  readonly usages: readonly string[];
  constructor(key: unknown, extractable: boolean, hash: HashName, length: number, usages: readonly string[]) {
    if (key !== KEY_SECRET) throw new TypeError('Illegal constructor');
    this.extractable = extractable;
    this.algorithm = Object.freeze({ name: 'HMAC', hash: Object.freeze({ name: hash }), length });
    this.usages = Object.freeze([...usages]);
  }
  get [Symbol.toStringTag](): string {
    return 'CryptoKey';
  }
}
const KEY_SECRET = Symbol('CryptoKey');
const keyBytes = new WeakMap<CryptoKey, Uint8Array>();

function hmacKey(key: unknown, usage: 'sign' | 'verify', algorithm: AlgorithmIdentifier): { key: Uint8Array; hash: HashName } {
  if (algorithmName(algorithm, usage) !== 'HMAC') throw new DOMException(`${usage}: only HMAC is supported in the JobHook sandbox`, 'NotSupportedError');
  const bytes = key instanceof CryptoKey ? keyBytes.get(key) : undefined;
  if (!(key instanceof CryptoKey) || bytes === undefined) throw new TypeError(`${usage}: the key must be a CryptoKey from crypto.subtle.importKey or generateKey`);
  if (!key.usages.includes(usage)) throw new DOMException(`${usage}: the key's usages do not include '${usage}'`, 'InvalidAccessError');
  return { key: bytes, hash: key.algorithm.hash.name };
}

const USAGES: ReadonlySet<string> = new Set(['sign', 'verify']);

function checkUsages(usages: unknown): string[] {
  const list = [...((usages ?? []) as Iterable<unknown>)].map(String);
  for (const u of list) if (!USAGES.has(u)) throw new SyntaxError(`importKey: an HMAC key cannot be used to '${u}'`);
  if (list.length === 0) throw new SyntaxError('importKey: keyUsages must not be empty');
  return list;
}

function newKey(bytes: Uint8Array, extractable: boolean, hash: HashName, usages: string[]): CryptoKey {
  const key = new CryptoKey(KEY_SECRET, extractable, hash, bytes.length * 8, usages);
  keyBytes.set(key, bytes);
  return key;
}

function unsupported(method: string): Promise<never> {
  return Promise.reject(
    new DOMException(`crypto.subtle.${method} is not available in the JobHook sandbox (it has digest and HMAC importKey/generateKey/exportKey/sign/verify)`, 'NotSupportedError'),
  );
}

/** Compares in time that depends only on the lengths. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The Web Crypto `SubtleCrypto`, for digests and HMAC. Every method answers a promise, as specified. */
export class SubtleCrypto {
  readonly #random: RandomPool;
  constructor(random: RandomPool) {
    this.#random = random;
  }

  async digest(algorithm: AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer> {
    const name = hashName(algorithm, 'digest');
    return copyOut(loadHashes().hash[name](bytesOf(data, 'digest')));
  }

  async importKey(format: string, keyData: BufferSource, algorithm: AlgorithmIdentifier, extractable: boolean, usages: Iterable<string>): Promise<CryptoKey> {
    if (format !== 'raw') throw new DOMException(`importKey: format '${String(format)}' is not supported (use 'raw')`, 'NotSupportedError');
    if (algorithmName(algorithm, 'importKey') !== 'HMAC' || typeof algorithm !== 'object') {
      throw new DOMException('importKey: only { name: "HMAC", hash: "SHA-…" } keys are supported in the JobHook sandbox', 'NotSupportedError');
    }
    const hash = hashName(algorithm.hash ?? '', 'importKey');
    const bytes = bytesOf(keyData, 'importKey').slice();
    if (bytes.length === 0) throw new DOMException('importKey: an HMAC key must not be empty', 'DataError');
    return newKey(bytes, Boolean(extractable), hash, checkUsages(usages));
  }

  async generateKey(algorithm: AlgorithmIdentifier, extractable: boolean, usages: Iterable<string>): Promise<CryptoKey> {
    if (algorithmName(algorithm, 'generateKey') !== 'HMAC' || typeof algorithm !== 'object') return unsupported('generateKey for this algorithm');
    const hash = hashName(algorithm.hash ?? '', 'generateKey');
    const bits = algorithm.length ?? loadHashes().hash[hash].blockLen * 8;
    if (!Number.isInteger(bits) || bits <= 0 || bits % 8 !== 0) throw new DOMException('generateKey: length must be a positive multiple of 8', 'OperationError');
    const bytes = new Uint8Array(bits / 8);
    this.#random.fill(bytes);
    return newKey(bytes, Boolean(extractable), hash, checkUsages(usages));
  }

  async exportKey(format: string, key: CryptoKey): Promise<ArrayBuffer> {
    const bytes = key instanceof CryptoKey ? keyBytes.get(key) : undefined;
    if (bytes === undefined) throw new TypeError('exportKey: not a CryptoKey');
    if (format !== 'raw') throw new DOMException(`exportKey: format '${String(format)}' is not supported (use 'raw')`, 'NotSupportedError');
    if (!key.extractable) throw new DOMException('exportKey: the key is not extractable', 'InvalidAccessError');
    return copyOut(bytes);
  }

  async sign(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> {
    const { key: secret, hash } = hmacKey(key, 'sign', algorithm);
    const h = loadHashes();
    return copyOut(h.hmac(h.hash[hash], secret, bytesOf(data, 'sign')));
  }

  async verify(algorithm: AlgorithmIdentifier, key: CryptoKey, signature: BufferSource, data: BufferSource): Promise<boolean> {
    const { key: secret, hash } = hmacKey(key, 'verify', algorithm);
    const h = loadHashes();
    return equalBytes(h.hmac(h.hash[hash], secret, bytesOf(data, 'verify')), bytesOf(signature, 'verify'));
  }

  encrypt(): Promise<never> {
    return unsupported('encrypt');
  }
  decrypt(): Promise<never> {
    return unsupported('decrypt');
  }
  deriveBits(): Promise<never> {
    return unsupported('deriveBits');
  }
  deriveKey(): Promise<never> {
    return unsupported('deriveKey');
  }
  wrapKey(): Promise<never> {
    return unsupported('wrapKey');
  }
  unwrapKey(): Promise<never> {
    return unsupported('unwrapKey');
  }
  get [Symbol.toStringTag](): string {
    return 'SubtleCrypto';
  }
}

type BufferSource = ArrayBuffer | ArrayBufferView;
