export * from './element.js';
export * from './parse.js';
