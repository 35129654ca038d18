import { registerBackendProvider } from '@geoparam/core';
import { webglBackend } from './index';

registerBackendProvider(webglBackend);
