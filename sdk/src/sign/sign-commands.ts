// `jobhook-sdk keygen` and `jobhook-sdk sign`, as entries of the CLI's command table.
import path from 'node:path';
import { command, type AnyCommand } from '../cli/command-line.js';
import { signPackage } from './sign-package.js';
import { SigningError, writeSigningKey } from './signing-keys.js';

function fail(e: unknown, io: { stderr: NodeJS.WritableStream }): number {
  if (!(e instanceof SigningError)) throw e;
  io.stderr.write(`${e.code}: ${e.message}\n`);
  return 1;
}

/** keygen and sign. */
export const SIGN_COMMANDS: readonly AnyCommand[] = [
  command({
    name: 'keygen',
    summary: 'new ed25519 signing key (<prefix>.key, <prefix>.pub)',
    args: '<prefix>',
    description: `Writes a new ed25519 signing key: <prefix>.key (private, mode 0600: keep it off the host) and
<prefix>.pub (public: give it to host admins for trust.keys). Prints the key id. The same key can
be made with: openssl genpkey -algorithm ed25519 -out <prefix>.key &&
openssl pkey -in <prefix>.key -pubout -out <prefix>.pub`,
    positionals: { min: 1, max: 1 },
    run: async ({ positionals, io }) => {
      try {
        const key = await writeSigningKey(positionals[0]!);
        io.stdout.write(
          `key id ${key.keyId}\n  private ${key.privateFile} (keep secret)\n  public  ${key.publicFile}\n` +
            `host config: "trust": { "keys": { "${key.keyId}": "${path.resolve(key.publicFile)}" } }\n`,
        );
        return 0;
      } catch (e) {
        return fail(e, io);
      }
    },
  }),
  command({
    name: 'sign',
    summary: 'sign a packed folder into plugin.sig',
    args: '[plugin-dir]',
    description: `Signs a built package (after pack): ed25519 over plugin.json (canonical form) and the bundle's
SHA-256, written to <plugin-dir>/plugin.sig. Re-sign after any change to either file.`,
    flags: {
      key: { type: 'string', value: '<file.key>', description: 'ed25519 private key (PKCS#8 PEM, from keygen or openssl)' },
      'key-id': { type: 'string', value: '<id>', description: "id the host's trust.keys knows the public key by (default: derived from the key)" },
    },
    positionals: { max: 1 },
    run: async ({ positionals, values, io }) => {
      if (typeof values.key !== 'string') {
        io.stderr.write('jobhook-sdk sign: --key <file.key> is required\n');
        return 2;
      }
      try {
        const r = await signPackage(positionals[0] ?? '.', { keyFile: values.key, ...(typeof values['key-id'] === 'string' ? { keyId: values['key-id'] } : {}) });
        io.stdout.write(`signed ${r.file} with key ${r.signature.keyId} (bundle sha256 ${r.signature.bundleSha256})\n`);
        return 0;
      } catch (e) {
        return fail(e, io);
      }
    },
  }),
];
