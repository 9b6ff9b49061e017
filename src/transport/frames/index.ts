// Weft's frames transport (router -> app processes that speak it): see
// plugins/python/PROTOCOL.md.
export { FrameCall, FrameConnection, FrameAnswerError } from './frame-connection.js';
export type { FrameExchange } from './frame-connection.js';
export { encodeRequestHead, requestHasBody } from './request-head.js';
export type { FrameRequest } from './request-head.js';
export { AnswerDecoder, AnswerProtocolError } from './answer-decoder.js';
export type { AnswerSink } from './answer-decoder.js';
export { FRAME_HEADER_SIZE, FrameFlag, FrameType, MAX_BODY_FRAME, MAX_HEAD_PAYLOAD } from './frame-format.js';
