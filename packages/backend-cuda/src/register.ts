import { registerBackendProvider } from '@geoparam/core';
import { cudaBackend } from './index';

registerBackendProvider(cudaBackend);
