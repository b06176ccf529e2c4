export * from './manifest';
export { sha256File } from './files';
export { signatureIssues } from './onnx-signature';
export { readManifest, verifyPack, loadPack, verificationChecks, type VerificationCheck, type VerifyReport, type VerifyOptions, type FileCheck, type OnnxCheck } from './verify';
export { listPacks, importPack, installStagedPack, defaultPackRoots, userPacksDir, type PackListing, type PackListResult } from './registry';
