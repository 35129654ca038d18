import { registerBackendProvider } from '@geoparam/core';
import { cpuBackend } from './index';

registerBackendProvider(cpuBackend);
