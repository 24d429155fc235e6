import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../errors.js';

/** What the host does with a package that has no plugin.sig. */
export type UnsignedPolicy = 'allow' | 'warn' | 'refuse';

/** The `trust` block of the host configuration. */
export interface TrustConfig {
  /** Key id → ed25519 public key: SPKI PEM text, or the path of a PEM file. */
  readonly keys: Readonly<Record<string, string>>;
  /** Key ids no longer trusted; a package signed by one is refused even if the key is still listed. */
  readonly revoked: readonly string[];
  readonly unsigned: UnsignedPolicy;
}

export const DEFAULT_TRUST: TrustConfig = { keys: {}, revoked: [], unsigned: 'warn' };

function loadKey(keyId: string, value: string, baseDir: string): KeyObject {
  let pem = value;
  if (!value.includes('-----BEGIN')) {
    const file = path.resolve(baseDir, value);
    try {
      pem = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError('CONFIG_TRUST_KEY', `trust.keys.${keyId}: the public key file '${file}' cannot be read: ${(e as Error).message}`, undefined, { cause: e });
    }
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new ConfigError('CONFIG_TRUST_KEY', `trust.keys.${keyId} is not a PEM public key (give the .pub file that 'jobhook-sdk keygen' wrote)`, undefined, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError('CONFIG_TRUST_KEY', `trust.keys.${keyId} is a ${key.asymmetricKeyType} key; package signatures are ed25519`);
  }
  return key;
}

/** The host's trusted signing keys, parsed once at start (a bad key fails the start, naming it). */
export class TrustStore {
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly revoked: ReadonlySet<string>;
  readonly unsigned: UnsignedPolicy;

  constructor(config: TrustConfig, baseDir: string = process.cwd()) {
    this.keys = new Map(Object.entries(config.keys).map(([id, value]) => [id, loadKey(id, value, baseDir)]));
    this.revoked = new Set(config.revoked);
    this.unsigned = config.unsigned;
  }

  /** The key for `keyId`, `'revoked'`, or `'unknown'`. */
  key(keyId: string): KeyObject | 'revoked' | 'unknown' {
    if (this.revoked.has(keyId)) return 'revoked';
    return this.keys.get(keyId) ?? 'unknown';
  }

  /** Ids of the trusted (not revoked) keys, for messages. */
  trustedIds(): string[] {
    return [...this.keys.keys()].filter((id) => !this.revoked.has(id));
  }
}
