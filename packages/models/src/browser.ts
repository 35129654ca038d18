// The browser entry (export condition `browser`): no node: imports; models go through tf.io's URLs
// (indexeddb://, localstorage://, downloads://, http(s)://) or any IOHandler.
export * from './common';
export { loadModel, readSavedModel, saveModel } from './io/browser';
