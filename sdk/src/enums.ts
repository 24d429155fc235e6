// The platform's enums are part of the wire contract, declared there once.
export { OrchestratorJobStatusJobResult, CertStoreOperationType } from './contract/enums.js';
