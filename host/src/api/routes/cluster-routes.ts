import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packageBodySchema } from '../schemas/cluster-schemas.js';
import { BEARER, errorResponses, idParamsSchema, ref, V1_ERRORS } from '../schemas/common-schemas.js';
import { ManifestError } from '../../errors.js';
import { sendError } from '../http-errors.js';
import { ManifestSchema } from '../../plugins/package/manifest-schema.js';
import { readPluginPackage } from '../../plugins/package/read-plugin-package.js';
import type { ClusterNode } from '../../cluster/cluster-node.js';
import type { ClusterStore } from '../../cluster/cluster-store.js';
import { ARCHIVE_LIMITS, PackageArchiveError, readPackageArchive, writePackageFiles } from '../../cluster/plugin-archive.js';

const PACKAGE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/x-tar+gzip'];
const TAGS = ['cluster'];

const viewSchema = {
  summary: 'The hosts sharing the store, their heartbeats, and which version of each plugin every live host runs',
  tags: TAGS,
  security: BEARER,
  response: { 200: { description: 'The cluster as the store knows it', ...ref('ClusterView') }, ...errorResponses(V1_ERRORS) },
};

const deploySchema = {
  summary: "Deploy a packed plugin (.tgz from 'jobhook-sdk pack') to every host sharing the store",
  tags: TAGS,
  security: BEARER,
  params: idParamsSchema,
  // The body is raw bytes (parsed below, never validated as JSON): documented, not checked by the schema.
  consumes: PACKAGE_TYPES,
  response: {
    201: { description: 'Stored; every host installs it at its next sync', type: 'object', required: ['deployment'], properties: { deployment: ref('Deployment') } },
    ...errorResponses({
      ...V1_ERRORS,
      400: 'Not a valid package (archive, manifest, signature), or a package of another plugin (DEPLOY_ID_MISMATCH)',
      413: 'The package is larger than the archive limit',
      415: 'Not sent as a packed package (application/gzip or application/octet-stream)',
    }),
  },
};

const undeploySchema = {
  summary: 'Undeploy a plugin from every host sharing the store',
  tags: TAGS,
  security: BEARER,
  params: idParamsSchema,
  response: {
    200: { description: 'Removed; every host unloads it at its next sync', type: 'object', required: ['undeployed'], properties: { undeployed: { type: 'string' } } },
    ...errorResponses({ ...V1_ERRORS, 404: 'Not deployed through the store (DEPLOYMENT_NOT_FOUND)' }),
  },
};

/**
 * GET /v1/cluster (hosts, plugin versions across them), PUT /v1/plugins/:id (deploy a packed
 * package to every host) and DELETE /v1/plugins/:id (undeploy it everywhere). Behind the API token.
 */
export function clusterRoutes(node: ClusterNode, cluster: ClusterStore): (app: FastifyInstance) => void {
  const schema = new ManifestSchema();
  return (app) => {
    app.get('/v1/cluster', { schema: viewSchema }, async () => node.view());

    // Its own scope: the package body parser must not apply to the JSON routes.
    void app.register(async (scope) => {
      scope.addContentTypeParser(PACKAGE_TYPES, { parseAs: 'buffer', bodyLimit: ARCHIVE_LIMITS.maxCompressedBytes }, (_request, body, done) => done(null, body));

      scope.put<{ Params: { id: string }; Body: Buffer }>('/v1/plugins/:id', { schema: deploySchema, config: { documentedBody: packageBodySchema } }, async (request, reply) => {
        const { id } = request.params;
        if (!Buffer.isBuffer(request.body)) {
          return sendError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', `send the packed plugin (.tgz from 'jobhook-sdk pack') as ${PACKAGE_TYPES[0]}`);
        }
        // The same checks a dropped folder gets, before anything is stored: a broken package is
        // refused here, not on every host.
        const dir = await mkdtemp(path.join(os.tmpdir(), 'jobhook-deploy-'));
        let version: string;
        try {
          const files = await readPackageArchive(request.body);
          await writePackageFiles(dir, files);
          const pkg = await readPluginPackage(dir, schema);
          if (pkg.manifest.id !== id) return sendError(reply, 400, 'DEPLOY_ID_MISMATCH', `the package is plugin '${pkg.manifest.id}', not '${id}'; PUT it to /v1/plugins/${pkg.manifest.id}`);
          version = pkg.manifest.version;
        } catch (e) {
          if (e instanceof PackageArchiveError) return sendError(reply, 400, e.code, e.message);
          if (e instanceof ManifestError) return sendError(reply, 400, e.code, `the package's ${e.message.replace(dir, 'plugin folder')}`, e.problems);
          throw e;
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
        const deployment = await cluster.putDeployment(id, version, request.body);
        request.log.info({ plugin: id, version, sha256: deployment.sha256 }, `plugin ${id} ${version} deployed to every host`);
        await node.sync.trigger();
        return reply.code(201).send({ deployment });
      });
    });

    app.delete<{ Params: { id: string } }>('/v1/plugins/:id', { schema: undeploySchema }, async (request, reply) => {
      const { id } = request.params;
      if (!(await cluster.removeDeployment(id))) {
        return sendError(reply, 404, 'DEPLOYMENT_NOT_FOUND', `plugin '${id}' is not deployed through the store (a hand-dropped folder is removed by deleting it)`);
      }
      request.log.info({ plugin: id }, `plugin ${id} undeployed from every host`);
      await node.sync.trigger();
      return { undeployed: id };
    });
  };
}
