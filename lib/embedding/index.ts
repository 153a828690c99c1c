export { embeddingTable, zerosTable, quantizeTable, dequantizeTable, rowBytes, tableBytes, checkTable, TABLE_FORMATS } from './table';
export type { EmbeddingTable, TableFormat } from './table';
export { embeddingBag, bagCount } from './bag';
export type { EmbeddingBagOptions, Pooling } from './bag';
export type { Indices } from './native';
export { embeddingBagBackward, RowwiseAdagrad, SparseAdam } from './sparse';
export type { SparseGradient, SparseOptimizerOptions, SparseAdamOptions } from './sparse';
export { dotInteraction, dotInteractionBackward, interactionWidth } from './interaction';
export type { DotInteractionOptions } from './interaction';
