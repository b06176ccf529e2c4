export { SessionPool, sharedSessionPool, resetProviderFailures, ModelLoadError, type SessionHandle, type SessionPoolOptions } from './sessions';
export { platformProviders, providerOrder, parseProviderList, type ProviderName, type ProviderOptions } from './providers';
