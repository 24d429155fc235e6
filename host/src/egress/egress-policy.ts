import type { HttpPermissionRule } from '../plugins/package/plugin-manifest.js';
import type { LabeledRule } from './admin-permissions.js';
import { EgressDeniedError, EgressRuleError } from './egress-error.js';
import { pathTrick } from './path-tricks.js';
import { messageUrl } from './platform-url.js';

/**
 * Decides, before any I/O, whether a plugin may make a request. Default deny: a plugin reaches only
 * what its manifest and the admin allow.
 */
export interface EgressPolicy {
  /** Throws EgressDeniedError naming the rule (or the default deny) that decided. */
  check(method: string, url: URL): void;
}

interface CompiledRule {
  /** `permissions.http[i] ('Certificates/*')`, as messages name it. */
  readonly label: string;
  readonly origin: string;
  readonly segments: readonly string[];
  /** The pattern ends with '**': any further segments (or none) match. */
  readonly anySuffix: boolean;
  readonly methods: ReadonlySet<string>;
}

const ENCODED_SEPARATOR = /%2f|%5c/i;

function pathSegments(pathname: string): string[] {
  const segments = pathname.split('/').slice(1);
  // One trailing slash is not a different resource for the purpose of a rule.
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  return segments;
}

function compileRule(rule: LabeledRule, index: number, base: URL, pluginId: string): CompiledRule {
  const label = rule.label ?? `permissions.http[${index}] ('${rule.url}')`;
  const invalid = (why: string): never => {
    throw new EgressRuleError('EGRESS_RULE_INVALID', `plugin '${pluginId}': ${label} ${why}`, pluginId);
  };
  if (/[?#]/.test(rule.url)) invalid('has a query or fragment; rules match paths only, remove it');
  let url: URL;
  try {
    url = /^https?:\/\//i.test(rule.url) ? new URL(rule.url) : new URL(rule.url, base);
  } catch {
    return invalid('is not a valid path or URL');
  }
  if (url.username || url.password) invalid('must not carry credentials');
  const segments = pathSegments(url.pathname);
  segments.forEach((segment, i) => {
    if (segment === '**' && i !== segments.length - 1) invalid("uses '**' before the last segment; '**' matches any suffix and must come last");
    if (segment !== '*' && segment !== '**' && segment.includes('*')) invalid(`has '*' inside the segment '${segment}'; '*' must be a whole segment (one segment) and '**' the last one (any suffix)`);
  });
  const anySuffix = segments[segments.length - 1] === '**';
  return {
    label,
    origin: url.origin,
    segments: anySuffix ? segments.slice(0, -1) : segments,
    anySuffix,
    methods: new Set(rule.methods.map((m) => m.toUpperCase())),
  };
}

function matchesPath(rule: CompiledRule, segments: readonly string[]): boolean {
  if (rule.anySuffix ? segments.length < rule.segments.length : segments.length !== rule.segments.length) return false;
  for (let i = 0; i < rule.segments.length; i++) {
    const want = rule.segments[i]!;
    if (want === '*' ? segments[i] === '' : want !== segments[i]) return false;
  }
  return true;
}

/**
 * The manifest's `permissions.http` as a policy. Relative patterns live under the platform URL,
 * absolute ones name their origin; '*' is one path segment, a final '**' any suffix. Paths compare
 * case-sensitively after URL normalisation (dot segments resolved), queries are not matched.
 */
export class ManifestEgressPolicy implements EgressPolicy {
  private readonly rules: readonly CompiledRule[];

  constructor(
    private readonly pluginId: string,
    rules: readonly (HttpPermissionRule | LabeledRule)[],
    private readonly platform: URL,
  ) {
    this.rules = rules.map((rule, i) => compileRule(rule, i, platform, pluginId));
  }

  check(method: string, url: URL): void {
    const deny = (why: string): never => {
      throw new EgressDeniedError(`plugin '${this.pluginId}' may not ${method} ${url.origin}${url.pathname}: ${why}`, messageUrl(url));
    };
    if (url.protocol !== 'https:' && url.protocol !== 'http:') deny(`only http and https URLs can be requested, not ${url.protocol}`);
    if (url.username || url.password) deny('URLs with user:password@ are refused; the host adds the platform credentials itself');
    if (ENCODED_SEPARATOR.test(url.pathname)) deny("the path contains an encoded '/' or '\\' (%2F, %5C), which a server may decode into another path");
    const trick = pathTrick(url.pathname);
    if (trick !== null) {
      throw new EgressDeniedError(`plugin '${this.pluginId}' may not ${method} ${url.origin}${url.pathname}: the path ${trick}, which a lenient server (IIS, ASP.NET) may resolve to another resource`, messageUrl(url), 'EGRESS_PATH_REFUSED');
    }
    const sameOrigin = this.rules.filter((r) => r.origin === url.origin);
    if (sameOrigin.length === 0) {
      if (url.origin !== this.platform.origin) {
        deny(`denied by the default-deny rule: ${url.origin} is not the platform API (${this.platform.origin}) and no permissions.http rule names that origin`);
      }
      deny(`denied by the default-deny rule: no permissions.http rule covers the platform API; add one such as { "url": "${this.suggest(url)}", "methods": ["${method}"] }`);
    }
    const segments = pathSegments(url.pathname);
    const byPath = sameOrigin.filter((r) => matchesPath(r, segments));
    if (byPath.length === 0) {
      deny(`denied by the default-deny rule: no permissions.http rule matches this path; add one such as { "url": "${this.suggest(url)}", "methods": ["${method}"] }`);
    }
    if (byPath.some((r) => r.methods.has(method))) return;
    deny(byPath.map((r) => `${r.label} allows only ${[...r.methods].join(', ')}`).join('; '));
  }

  /** The rule an author would write for `url`: relative when under the platform URL. */
  private suggest(url: URL): string {
    const href = `${url.origin}${url.pathname}`;
    return href.startsWith(this.platform.href) ? href.slice(this.platform.href.length) : href;
  }
}
