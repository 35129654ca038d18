import * as tf from '@tensorflow/tfjs-core';
import { InputMeanNormalization, MeanOnlyBatchNormalization } from './normalization';
import { GeometricConv2D, GeometricDense, WeightNormConv2D, WeightNormDense } from './parameterized-layer';

// Side effect: lets `tf.loadLayersModel` (and `tf.models.modelFromJSON`) rebuild these classes
// from a saved model.json. (`UniformSphere` registers in its own module.)
for (const cls of [GeometricDense, GeometricConv2D, WeightNormDense, WeightNormConv2D, MeanOnlyBatchNormalization, InputMeanNormalization]) {
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}
