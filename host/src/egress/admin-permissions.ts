import type { PermissionOverrides } from '../config.js';
import type { HttpPermissionRule } from '../plugins/package/plugin-manifest.js';
import { EgressRuleError } from './egress-error.js';

/** A permissions.http rule with the name messages use for it (where it was written). */
export interface LabeledRule extends HttpPermissionRule {
  readonly label?: string;
}

/**
 * The rules in force for a plugin: the manifest's, less what the admin revoked
 * (`plugins.<id>.permissions.revoke`: a rule by its exact `url`, all its methods or the ones listed),
 * plus what the admin granted (`…permissions.grant`). A revoke that names no manifest rule refuses
 * the plugin: a typo must not leave a permission the admin meant to remove.
 */
export function rulesInForce(pluginId: string, manifestRules: readonly HttpPermissionRule[], overrides: PermissionOverrides | undefined): LabeledRule[] {
  const rules: Array<LabeledRule & { methods: string[] }> = manifestRules.map((r, i) => ({ url: r.url, methods: r.methods.map((m) => m.toUpperCase()), label: `permissions.http[${i}] ('${r.url}')` }));
  (overrides?.revoke ?? []).forEach((revoke, i) => {
    const where = `plugins.${pluginId}.permissions.revoke[${i}]`;
    const targets = rules.filter((r) => r.url === revoke.url);
    if (targets.length === 0) {
      const known = manifestRules.map((r) => `'${r.url}'`).join(', ') || 'none';
      throw new EgressRuleError('PERMISSION_REVOKE_UNMATCHED', `plugin '${pluginId}': ${where} names '${revoke.url}', which is not a permissions.http rule of the manifest (its rules: ${known}); write the rule's url exactly`, pluginId);
    }
    const methods = revoke.methods?.map((m) => m.toUpperCase());
    for (const rule of targets) rule.methods = methods ? rule.methods.filter((m) => !methods.includes(m)) : [];
  });
  const kept: LabeledRule[] = rules.filter((r) => r.methods.length > 0);
  (overrides?.grant ?? []).forEach((rule, i) => kept.push({ url: rule.url, methods: rule.methods, label: `plugins.${pluginId}.permissions.grant[${i}] ('${rule.url}')` }));
  return kept;
}
