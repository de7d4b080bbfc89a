import { message } from '../dsl.js';

/** share-coordinator/src/main/resources/common/message/Share{Snapshot,Update}{Key,Value}.json */
const keyFields = ['GroupId string 0', 'TopicId uuid 0', 'Partition int32 0'];

export const ShareSnapshotKey = message({ name: 'ShareSnapshotKey', apiKey: 0, valid: '0', fields: keyFields });
export const ShareUpdateKey = message({ name: 'ShareUpdateKey', apiKey: 1, valid: '0', fields: keyFields });

/**
 * Kafka 4.3: how many records of the partition the group has finished delivering; -1 when not tracked.
 * Declared after StartOffset, so Kafka's JSON prints it there (the wire puts tagged fields last).
 */
const DELIVERY_COMPLETE_COUNT = 'DeliveryCompleteCount int32 0+ #0@0+ =-1';

const StateBatch = ['0+', ['FirstOffset int64 0+', 'LastOffset int64 0+', 'DeliveryState int8 0+', 'DeliveryCount int16 0+']] as const;

export const ShareSnapshotValue = message({
  name: 'ShareSnapshotValue',
  apiKey: 0,
  valid: '0',
  flexible: '0+',
  fields: [
    'SnapshotEpoch int32 0+',
    'StateEpoch int32 0+',
    'LeaderEpoch int32 0+',
    'StartOffset int64 0+',
    DELIVERY_COMPLETE_COUNT,
    'CreateTimestamp int64 0+',
    'WriteTimestamp int64 0+',
    'StateBatches []StateBatch 0+',
  ],
  common: { StateBatch },
});

export const ShareUpdateValue = message({
  name: 'ShareUpdateValue',
  apiKey: 1,
  valid: '0',
  flexible: '0+',
  fields: ['SnapshotEpoch int32 0+', 'LeaderEpoch int32 0+', 'StartOffset int64 0+', DELIVERY_COMPLETE_COUNT, 'StateBatches []StateBatch 0+'],
  common: { StateBatch },
});
