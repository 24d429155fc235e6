// `jobhook-sdk keygen` and `jobhook-sdk sign`: kept apart from the CLI's command table, which only
// routes to them.
import path from 'node:path';
import { signPackage } from './sign-package.js';
import { SigningError, writeSigningKey } from './signing-keys.js';

/** Help text of the two commands, for the CLI's table. */
export const SIGN_HELP: Record<'keygen' | 'sign', string> = {
  keygen: `jobhook-sdk keygen <prefix>
    Writes a new ed25519 signing key: <prefix>.key (private, mode 0600: keep it off the host) and
    <prefix>.pub (public: give it to host admins for trust.keys). Prints the key id. The same key can
    be made with: openssl genpkey -algorithm ed25519 -out <prefix>.key &&
    openssl pkey -in <prefix>.key -pubout -out <prefix>.pub`,
  sign: `jobhook-sdk sign [plugin-dir] --key <file.key> [--key-id <id>]
    Signs a built package (after pack): ed25519 over plugin.json (canonical form) and the bundle's
    SHA-256, written to <plugin-dir>/plugin.sig. Re-sign after any change to either file.
    --key      ed25519 private key (PKCS#8 PEM, from keygen or openssl)
    --key-id   id the host's trust.keys knows the public key by (default: derived from the key)`,
};

function fail(e: unknown): number {
  if (!(e instanceof SigningError)) throw e;
  process.stderr.write(`${e.code}: ${e.message}\n`);
  return 1;
}

/** Runs `keygen`; returns the exit code. */
export async function keygenCommand(positionals: string[]): Promise<number> {
  const [prefix] = positionals;
  if (prefix === undefined) {
    process.stderr.write(`jobhook-sdk: keygen needs a file prefix: ${SIGN_HELP.keygen.split('\n')[0]}\n`);
    return 2;
  }
  try {
    const key = await writeSigningKey(prefix);
    process.stdout.write(`key id ${key.keyId}\n  private ${key.privateFile} (keep secret)\n  public  ${key.publicFile}\n` +
      `host config: "trust": { "keys": { "${key.keyId}": "${path.resolve(key.publicFile)}" } }\n`);
    return 0;
  } catch (e) {
    return fail(e);
  }
}

/** Runs `sign`; returns the exit code. */
export async function signCommand(positionals: string[], values: Record<string, unknown>): Promise<number> {
  if (typeof values.key !== 'string') {
    process.stderr.write(`jobhook-sdk: sign needs --key <file.key>\n`);
    return 2;
  }
  try {
    const r = await signPackage(positionals[0] ?? '.', { keyFile: values.key, ...(typeof values['key-id'] === 'string' ? { keyId: values['key-id'] } : {}) });
    process.stdout.write(`signed ${r.file} with key ${r.signature.keyId} (bundle sha256 ${r.signature.bundleSha256})\n`);
    return 0;
  } catch (e) {
    return fail(e);
  }
}
