import type { JsonSchema } from './common-schemas.js';
import { ref } from './common-schemas.js';

/** One plugin as a host publishes it at each heartbeat. */
const publishedPluginSchema = {
  type: 'object',
  required: ['id', 'version', 'contentHash', 'state'],
  properties: {
    id: { type: 'string' },
    version: { type: ['string', 'null'] },
    contentHash: { type: ['string', 'null'] },
    state: { type: 'string', description: 'Its state on that host; only `active` counts as served' },
  },
} as const;

/** A host as the store last heard of it. */
export const clusterHostSchema = {
  $id: 'ClusterHost',
  type: 'object',
  required: ['id', 'address', 'version', 'startedAt', 'heartbeatAt', 'live', 'plugins'],
  properties: {
    id: { type: 'string', description: 'The host id, unique among the hosts sharing the store' },
    address: { type: ['string', 'null'], description: "Its API's URL, null before it listens" },
    version: { type: 'string', description: 'The JobHook version it runs' },
    startedAt: { type: 'string', format: 'date-time' },
    heartbeatAt: { type: 'string', format: 'date-time' },
    live: { type: 'boolean', description: 'Its last heartbeat is recent; a host that is not live claims nothing and its leases run out' },
    plugins: { type: 'array', items: publishedPluginSchema },
  },
} as const;

/** One plugin across the live hosts. */
export const pluginSpreadSchema = {
  $id: 'PluginSpread',
  type: 'object',
  required: ['id', 'versions', 'missingOn', 'consistent'],
  properties: {
    id: { type: 'string' },
    versions: {
      type: 'array',
      description: 'Each distinct version and content, with the live hosts running it',
      items: {
        type: 'object',
        required: ['version', 'contentHash', 'hosts'],
        properties: { version: { type: ['string', 'null'] }, contentHash: { type: ['string', 'null'] }, hosts: { type: 'array', items: { type: 'string' } } },
      },
    },
    missingOn: { type: 'array', items: { type: 'string' }, description: 'Live hosts that do not serve it' },
    consistent: { type: 'boolean', description: 'Every live host runs the same content of it' },
  },
} as const;

/** GET /v1/cluster. */
export const clusterViewSchema = {
  $id: 'ClusterView',
  type: 'object',
  required: ['self', 'store', 'hosts', 'plugins', 'inconsistent'],
  properties: {
    self: { type: 'string', description: 'The id of the host that answered' },
    store: { type: 'string', enum: ['sqlite', 'postgres'], description: 'sqlite: a single host on its own file; postgres: hosts sharing one queue' },
    hosts: { type: 'array', items: ref('ClusterHost') },
    plugins: { type: 'array', items: ref('PluginSpread'), description: 'Active plugins across the live hosts' },
    inconsistent: { type: 'array', items: { type: 'string' }, description: 'Plugins whose version or content differs between live hosts, or that some live host lacks' },
  },
} as const;

/** A deployed package, or the record that it was undeployed. */
export const deploymentSchema = {
  $id: 'Deployment',
  type: 'object',
  required: ['pluginId', 'version', 'sha256', 'sizeBytes', 'removed', 'updatedAt'],
  properties: {
    pluginId: { type: 'string' },
    version: { type: ['string', 'null'], description: 'Null once undeployed' },
    sha256: { type: ['string', 'null'], description: 'Hex sha256 of the package bytes; every host checks it before installing' },
    sizeBytes: { type: ['integer', 'null'] },
    removed: { type: 'boolean' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** The PUT body as the document shows it (Fastify hands the handler the raw bytes). */
export const packageBodySchema = {
  type: 'string',
  format: 'binary',
  description: "The packed plugin: the .tgz from 'jobhook-sdk pack' (plugin.json, the bundle, plugin.sig when signed)",
} as const;

/** Every shared schema of the cluster routes, for `app.addSchema`. */
export const CLUSTER_SCHEMAS: readonly JsonSchema[] = [clusterHostSchema, pluginSpreadSchema, clusterViewSchema, deploymentSchema];
