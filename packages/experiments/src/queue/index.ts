export * from './connection';
export * from './store';
export * from './runner';
export * from './worker';
export * from './sweep';
