import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Checks `Authorization: Bearer <token>` in constant time: both sides are hashed first, so neither
 * the content nor the length of the configured token leaks through timing.
 */
export class BearerAuth {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** `missing` (no bearer credentials), `invalid` (wrong token) or `ok`. */
  check(authorization: string | undefined): 'ok' | 'missing' | 'invalid' {
    const m = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!m) return 'missing';
    return timingSafeEqual(digest(m[1]!), this.expected) ? 'ok' : 'invalid';
  }
}
