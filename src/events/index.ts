export { enablePreImages, eventIdOf, WATCHED_COLLECTIONS } from './changes';
export { EventHistoryLostError, isHistoryLost } from './feed';
export {
  EventSource,
  type BatchHandler,
  type Consumer,
  type ConsumerHooks,
  type EventListener,
  type EventSourceOptions,
  type Replay,
} from './source';
export * from './types';
