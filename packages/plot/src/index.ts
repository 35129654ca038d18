export * from './render';
export * from './facet';
