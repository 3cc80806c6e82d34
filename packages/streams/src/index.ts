export { AbortError, isAbortError } from '@weft/emitter';
export type { StreamErrorCode } from './errors';
export {
  isStreamError,
  PrematureCloseError,
  PushAfterEndError,
  StreamDestroyedError,
  StreamError,
  WriteAfterEndError,
} from './errors';
export type { AnyStream, FinishedOptions } from './finished';
export { finished } from './finished';
export type { ReadableSource } from './from';
export type { ToNodeOptions, WeftReadable, WeftWritable } from './node-interop';
export { fromNodeReadable, fromNodeWritable, toNodeReadable, toNodeWritable } from './node-interop';
export type { PipelineDestination, PipelineOptions, PipelineSource } from './pipeline';
export { pipeline } from './pipeline';
export type { PipeDestination } from './read-side';
export type { PipeOptions, ReadableEvents, ReadableOptions } from './readable';
export { Readable } from './readable';
export type { SizeOptions } from './size';
export { byteLength, DEFAULT_BYTES_HIGH_WATER_MARK, DEFAULT_ITEMS_HIGH_WATER_MARK } from './size';
export type { PassThroughOptions, Push, TransformEvents, TransformOptions } from './transform';
export { PassThrough, Transform } from './transform';
export type { WebPair } from './web-interop';
export { fromWeb, toWeb } from './web-interop';
export type { WritableEvents, WritableOptions } from './writable';
export { Writable } from './writable';
export type { WriteCallback } from './write-side';
