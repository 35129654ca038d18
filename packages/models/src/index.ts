import { registerFileRouters } from './io/file-handler';

export * from './common';
export { loadModel, readSavedModel, saveModel } from './io/node';
export { fileHandler, registerFileRouters, writeFileAtomic } from './io/file-handler';

// Node has no file:// handler without tfjs-node; with this one, tf.loadLayersModel('file://...')
// and model.save('file://...') work wherever @geoparam/models is imported.
registerFileRouters();
