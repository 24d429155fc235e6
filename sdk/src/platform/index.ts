// Types and helpers for the platform API's answers (Keyfactor Command), for handlers' `client` calls.
export { JobHistoryStatus, jobHistoryQuery } from './job-history.js';
export type { JobHistoryEntry, JobHistoryQuery } from './job-history.js';
export type { CustomJobRequest, CustomJobResponse, JobStatusData, CustomJobType, CertificateStoreType } from './custom-jobs.js';
export { workflowInstancesQuery } from './workflow.js';
export type { WorkflowInstance, WorkflowInstanceStatus, WorkflowSignal } from './workflow.js';
export { certificateMetadataUpdate } from './certificates.js';
export type { Certificate, CertificateMetadataUpdate } from './certificates.js';
export { parsePlatformEnum, parseJobResult, parseJobHistoryStatus, parseOperationType, PlatformEnumError } from './enum-parsers.js';
export { parsePlatformTimestamp } from './timestamps.js';
export type { PlatformZone } from './timestamps.js';
