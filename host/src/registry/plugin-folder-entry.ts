import { JobHookError } from '../errors.js';

/** Folder names under the plugins directory that are never plugin packages. */
export function isIgnoredEntry(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules' || name.endsWith('~') || /\.(swp|swx|tmp|partial|crdownload)$/i.test(name);
}

/**
 * The error for a plugin folder that is a symbolic link. Links are not followed: a link can be
 * re-pointed under a running plugin without any event in the plugins folder itself.
 */
export function linkedFolderError(folder: string): JobHookError {
  return new JobHookError(
    'PLUGIN_FOLDER_IS_LINK',
    `'${folder}' is a symbolic link; JobHook does not follow links in the plugins folder — copy or move the package folder in instead`,
  );
}
