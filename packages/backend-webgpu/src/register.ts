import { registerBackendProvider } from '@geoparam/core';
import { webgpuBackend } from './index';

registerBackendProvider(webgpuBackend);
