export * from './types';
export { openSpace, MediaError, type OpenSpaceOptions } from './open-space';
export { fuse, checkFactors } from './components';
export { l2normalize, dot, ensembleMean, mix, headsOf, similarityMatrix } from './fusion';
export { SPACE_CLASS_INFO, factorForClass, type ClassInfo } from './space-classes';
export { projectorForward, foldBatchNorm, foldedForward, BN_EPS, type ProjectorWeights, type LinearLayer, type BatchNorm } from './reference-mlp';
