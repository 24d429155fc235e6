import { JobHookError } from '../errors.js';

/** isolated-vm crashes Node 20+ without this flag; fail with a clear error instead. */
export function assertNoNodeSnapshot(): void {
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (!flags.includes('--no-node-snapshot')) {
    throw new JobHookError('HOST_NEEDS_NO_NODE_SNAPSHOT', 'isolated-vm needs Node started with --no-node-snapshot (node --no-node-snapshot …, or NODE_OPTIONS=--no-node-snapshot)');
  }
}
