// Command versions differ in how they put enums on the wire: some send the number, some the member
// name (and the case varies). These parsers take either and answer the number.
import { CertStoreOperationType, OrchestratorJobStatusJobResult } from '../enums.js';
import { JobHistoryStatus } from './job-history.js';

/** A numeric TypeScript enum object (both directions: name → number and number → name). */
type NumericEnum = Record<string, string | number>;

/** A value that is none of the enum's names or numbers. */
export class PlatformEnumError extends TypeError {
  override readonly name = 'PlatformEnumError';
  readonly code = 'PLATFORM_ENUM_INVALID';
}

/**
 * The enum number for `value`: a member number (`4`, `"4"`) or name (`"Failure"`, `"failure"`).
 * Throws PlatformEnumError naming `what` and the accepted values for anything else.
 */
export function parsePlatformEnum<E extends NumericEnum>(enumObject: E, value: unknown, what: string): E[keyof E] & number {
  const names = Object.keys(enumObject).filter((k) => Number.isNaN(Number(k)));
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value))) {
    const n = Number(value);
    if (names.some((k) => enumObject[k] === n)) return n as E[keyof E] & number;
  } else if (typeof value === 'string') {
    const wanted = value.trim().toLowerCase();
    const name = names.find((k) => k.toLowerCase() === wanted);
    if (name !== undefined) return enumObject[name] as E[keyof E] & number;
  }
  const accepted = names.map((k) => `${k} (${enumObject[k]})`).join(', ');
  throw new PlatformEnumError(`${what}: ${JSON.stringify(value)} is not one of ${accepted}`);
}

/** A job history `Result`, or a context's `jobResult`: Unknown 0, Success 2, Warning 3, Failure 4. */
export function parseJobResult(value: unknown): OrchestratorJobStatusJobResult {
  return parsePlatformEnum(OrchestratorJobStatusJobResult, value, 'job result');
}

/** A job history `Status`: Unknown 0, Waiting 1, InProcess 2, Completed 3, Acknowledged 4, CompletedWillRetry 5. */
export function parseJobHistoryStatus(value: unknown): JobHistoryStatus {
  return parsePlatformEnum(JobHistoryStatus, value, 'job history status');
}

/** A certificate-store operation type: Unknown 0, Inventory 1, Add 2, Remove 3, … FetchLogs 9. */
export function parseOperationType(value: unknown): CertStoreOperationType {
  return parsePlatformEnum(CertStoreOperationType, value, 'operation type');
}
