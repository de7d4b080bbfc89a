import { message } from '../dsl.js';

/** transaction-coordinator/src/main/resources/common/message/TransactionLog{Key,Value}.json */
export const TransactionLogKey = message({
  name: 'TransactionLogKey',
  apiKey: 0,
  valid: '0',
  fields: ['TransactionalId string 0+'],
});

export const TransactionLogValue = message({
  name: 'TransactionLogValue',
  apiKey: 0,
  valid: '0-1',
  flexible: '1+',
  fields: [
    'ProducerId int64 0+',
    'PreviousProducerId int64 1+ #0@1+ =-1',
    'NextProducerId int64 1+ #1@1+ =-1',
    'ProducerEpoch int16 0+',
    'NextProducerEpoch int16 1+ #3@1+ =-1',
    'TransactionTimeoutMs int32 0+',
    'TransactionStatus int8 0+',
    ['TransactionPartitions []PartitionsSchema 0+ ?0+', ['Topic string 0+', 'PartitionIds []int32 0+']],
    'TransactionLastUpdateTimestampMs int64 0+',
    'TransactionStartTimestampMs int64 0+',
    'ClientTransactionVersion int16 1+ #2@1+ =0',
  ],
});
