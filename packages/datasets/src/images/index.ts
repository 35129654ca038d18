export {
  type ImageDataset,
  type ImageArrays,
  assertImageDataset,
  imageDatasetFromArrays,
  imageSize,
  takeImages,
  splitImages,
  channelMeans,
  IMAGENET32_MEAN_RGB,
} from './image-dataset';
export { type ImageBatch, type ImageBatchOptions, imageBatches } from './image-batches';
export { type IdxFileSpec, type MnistOptions, MNIST_TEST, MNIST_TRAIN, loadMnist, parseIdxImages, parseIdxLabels } from './mnist';
export { type Cifar10Options, CIFAR10, CIFAR10_CLASS_NAMES, CIFAR10_RECORD_BYTES, loadCifar10, parseCifar10Records } from './cifar10';
export { type ImageNet32Options, IMAGENET32_NPZ_MD5, loadImageNet32, parseImageNetNpz } from './imagenet32';
export { type NpyArray, parseNpy } from './npy';
