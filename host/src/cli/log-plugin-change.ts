import type { HostLogger } from '../logging/logger.js';
import type { PluginChange } from '../plugins/registry/plugin-registry.js';

/** One structured log line per plugin change, worded for admins. */
export function logPluginChange(logger: HostLogger, change: PluginChange): void {
  switch (change.kind) {
    case 'added':
      logger.info({ plugin: change.id, version: change.version, folder: change.folder, change: 'added' }, `plugin ${change.id} ${change.version} added`);
      break;
    case 'replaced':
      logger.info({ plugin: change.id, from: change.from, to: change.to, folder: change.folder, change: 'replaced' }, `plugin ${change.id} replaced ${change.from} → ${change.to}`);
      break;
    case 'removed':
      logger.info({ plugin: change.id, version: change.version, folder: change.folder, change: 'removed' }, `plugin ${change.id}${change.version ? ` ${change.version}` : ''} removed`);
      break;
    case 'moved':
      logger.info(
        { plugin: change.id, version: change.version, folder: change.folder, to: change.to, change: 'moved' },
        `plugin ${change.id}: folder ${change.folder} is gone; ${change.to} takes over${change.version ? ` (${change.version} serves until it is loaded)` : ''}`,
      );
      break;
    case 'refused':
      logger.error(
        { plugin: change.id, folder: change.folder, change: 'refused', error: change.error, keptVersion: change.keptVersion },
        `plugin ${change.id ?? change.folder} refused: ${change.error.code}: ${change.error.message}${change.keptVersion ? ` (version ${change.keptVersion} keeps serving)` : ''}`,
      );
      break;
    case 'unchanged':
      break;
  }
}
