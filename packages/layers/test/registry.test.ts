import * as tf from '@tensorflow/tfjs-core';
import { GEOPARAM_LAYER_CLASS_NAMES } from '@geoparam/models';
import * as layers from '@geoparam/layers';

// @geoparam/models names these classes in its "import '@geoparam/layers'" hint without importing
// the package; this keeps its list equal to what the package really registers.
test("@geoparam/models' list of geoparam layer classes equals what @geoparam/layers registers", () => {
  const registered = tf.serialization.SerializationMap.getMap().classNameMap;
  const exported = (Object.values(layers) as unknown[]).filter(
    (value): value is { className: string } =>
      typeof value === 'function' && typeof (value as { className?: unknown }).className === 'string',
  );
  const ownRegistered = exported.filter((cls) => registered[cls.className]?.[0] === (cls as unknown)).map((cls) => cls.className);
  expect(ownRegistered.length).toBeGreaterThan(0);
  expect([...ownRegistered].sort()).toEqual([...GEOPARAM_LAYER_CLASS_NAMES].sort());
});
