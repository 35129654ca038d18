import { registerBackendProvider } from '@geoparam/core';
import { wasmBackend } from './index';

registerBackendProvider(wasmBackend);
