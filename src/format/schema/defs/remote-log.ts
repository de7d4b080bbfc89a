import { message } from '../dsl.js';

/**
 * `__remote_log_metadata` records (storage/src/main/resources/message/*.json), read by
 * `RemoteLogMetadataSerde` with the same framing as KRaft metadata records.
 */
const topicIdPartition = ['Name string 0+', 'Id uuid 0+', 'Partition int32 0+'];
const remoteLogSegmentId = [['TopicIdPartition TopicIdPartitionEntry 0+', topicIdPartition], 'Id uuid 0+'] as const;
const leaderEpochs = ['LeaderEpoch int32 0+', 'Offset int64 0+'];

export const RemoteLogSegmentMetadataRecord = message({
  name: 'RemoteLogSegmentMetadataRecord',
  apiKey: 0,
  valid: '0',
  flexible: '0+',
  fields: [
    ['RemoteLogSegmentId RemoteLogSegmentIdEntry 0+', remoteLogSegmentId],
    'StartOffset int64 0+',
    'EndOffset int64 0+',
    'BrokerId int32 0+',
    'MaxTimestampMs int64 0+',
    'EventTimestampMs int64 0+',
    ['SegmentLeaderEpochs []SegmentLeaderEpochEntry 0+', leaderEpochs],
    'SegmentSizeInBytes int32 0+',
    'CustomMetadata bytes 0+ ?0+ =null',
    'RemoteLogSegmentState int8 0+',
    'TxnIndexEmpty bool 0+ #0@0+',
  ],
});

export const RemoteLogSegmentMetadataUpdateRecord = message({
  name: 'RemoteLogSegmentMetadataUpdateRecord',
  apiKey: 1,
  valid: '0',
  flexible: '0+',
  fields: [
    ['RemoteLogSegmentId RemoteLogSegmentIdEntry 0+', remoteLogSegmentId],
    'BrokerId int32 0+',
    'EventTimestampMs int64 0+',
    'CustomMetadata bytes 0+ ?0+ =null',
    'RemoteLogSegmentState int8 0+',
  ],
});

export const RemotePartitionDeleteMetadataRecord = message({
  name: 'RemotePartitionDeleteMetadataRecord',
  apiKey: 2,
  valid: '0',
  flexible: '0+',
  fields: [
    ['TopicIdPartition TopicIdPartitionEntry 0+', topicIdPartition],
    'BrokerId int32 0+',
    'EventTimestampMs int64 0+',
    'RemotePartitionDeleteState int8 0+',
  ],
});

export const RemoteLogSegmentMetadataSnapshotRecord = message({
  name: 'RemoteLogSegmentMetadataSnapshotRecord',
  apiKey: 3,
  valid: '0',
  flexible: '0+',
  fields: [
    'SegmentId uuid 0+',
    'StartOffset int64 0+',
    'EndOffset int64 0+',
    'BrokerId int32 0+',
    'MaxTimestampMs int64 0+',
    'EventTimestampMs int64 0+',
    ['SegmentLeaderEpochs []SegmentLeaderEpochEntry 0+', leaderEpochs],
    'SegmentSizeInBytes int32 0+',
    'CustomMetadata bytes 0+ ?0+ =null',
    'RemoteLogSegmentState int8 0+',
    'TxnIndexEmpty bool 0+ #0@0+',
  ],
});

export const REMOTE_LOG_METADATA_RECORDS = [
  RemoteLogSegmentMetadataRecord,
  RemoteLogSegmentMetadataUpdateRecord,
  RemotePartitionDeleteMetadataRecord,
  RemoteLogSegmentMetadataSnapshotRecord,
] as const;
