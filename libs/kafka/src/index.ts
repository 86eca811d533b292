export * from './kafka';
export { KafkaError, toKafkaError, type KafkaErrorCode } from './kafka-error';
