import { BackendUnavailableError, probeBackend, registeredBackends, useBackend } from '@geoparam/core';
import '@geoparam/backend-webgl/register';

describe('webgl backend', () => {
  it('registers but refuses to load outside a browser, saying why', async () => {
    expect(registeredBackends()).toContain('webgl');
    const availability = await probeBackend('webgl');
    expect(availability).toEqual({ name: 'webgl', available: false, reason: expect.stringContaining('needs a browser') });
    await expect(useBackend('webgl')).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});
