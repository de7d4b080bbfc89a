import { message, type FieldDef } from '../dsl.js';
import type { MessageSchema } from '../types.js';

/**
 * Group coordinator records (group-coordinator/src/main/resources/common/message/*.json): one
 * key/value schema pair per record type (`apiKey`). Keys are never flexible.
 */
export interface RecordPair {
  readonly type: number;
  readonly key: MessageSchema;
  readonly value: MessageSchema;
}

function pair(
  type: number,
  name: string,
  keyFields: readonly FieldDef[],
  valid: string,
  flexible: string,
  valueFields: readonly FieldDef[],
  common?: Record<string, readonly [string, readonly FieldDef[]]>,
): RecordPair {
  return {
    type,
    key: message({ name: `${name}Key`, apiKey: type, valid: '0', fields: keyFields }),
    value: message({ name: `${name}Value`, apiKey: type, valid, flexible, fields: valueFields, common }),
  };
}

const G = ['GroupId string 0'];
const GM = ['GroupId string 0', 'MemberId string 0'];
const topicPartitions = ['TopicId uuid 0+', 'Partitions []int32 0+'];

export const GROUP_RECORDS: readonly RecordPair[] = [
  pair(0, 'LegacyOffsetCommit', ['group string 0', 'topic string 0', 'partition int32 0'], '0', 'none', [
    'offset int64 0+',
    'metadata string 0+',
    'commitTimestamp int64 0+',
  ]),
  pair(1, 'OffsetCommit', ['group string 0', 'topic string 0', 'partition int32 0'], '0-4', '4+', [
    'offset int64 0+',
    'leaderEpoch int32 3+ =-1',
    'metadata string 0+',
    'commitTimestamp int64 0+',
    'expireTimestamp int64 1 =-1',
    'topicId uuid 4+ #0@4+',
  ]),
  pair(2, 'GroupMetadata', ['group string 0'], '0-4', '4+', [
    'protocolType string 0+',
    'generation int32 0+',
    'protocol string 0+ ?0+',
    'leader string 0+ ?0+',
    'currentStateTimestamp int64 2+ =-1',
    [
      'members []MemberMetadata 0+',
      [
        'memberId string 0+',
        'groupInstanceId string 3+ ?3+ =null',
        'clientId string 0+',
        'clientHost string 0+',
        'rebalanceTimeout int32 1+ =-1',
        'sessionTimeout int32 0+',
        'subscription bytes 0+',
        'assignment bytes 0+',
      ],
    ],
  ]),
  pair(3, 'ConsumerGroupMetadata', G, '0', '0+', ['Epoch int32 0+', 'MetadataHash int64 0+ #0@0+ =0']),
  pair(4, 'ConsumerGroupPartitionMetadata', G, '0', '0+', [
    [
      'Topics []TopicMetadata 0+',
      [
        'TopicId uuid 0+',
        'TopicName string 0+',
        'NumPartitions int32 0+',
        ['PartitionMetadata []PartitionMetadata 0+ #0@0+', ['Partition int32 0+', 'Racks []string 0+']],
      ],
    ],
  ]),
  pair(5, 'ConsumerGroupMemberMetadata', GM, '0', '0+', [
    'InstanceId string 0+ ?0+ =null',
    'RackId string 0+ ?0+ =null',
    'ClientId string 0+',
    'ClientHost string 0+',
    'SubscribedTopicNames []string 0+',
    'SubscribedTopicRegex string 0+ ?0+ =null',
    'RebalanceTimeoutMs int32 0+ =-1',
    'ServerAssignor string 0+ ?0+ =null',
    [
      'ClassicMemberMetadata ClassicMemberMetadata 0+ ?0+ #0@0+ =null',
      ['SessionTimeoutMs int32 0+', ['SupportedProtocols []ClassicProtocol 0+', ['Name string 0+', 'Metadata bytes 0+']]],
    ],
  ]),
  pair(6, 'ConsumerGroupTargetAssignmentMetadata', G, '0', '0+', ['AssignmentEpoch int32 0+']),
  pair(7, 'ConsumerGroupTargetAssignmentMember', GM, '0', '0+', [['TopicPartitions []TopicPartition 0+', topicPartitions]]),
  pair(8, 'ConsumerGroupCurrentMemberAssignment', GM, '0', '0+', [
    'MemberEpoch int32 0+',
    'PreviousMemberEpoch int32 0+',
    'State int8 0+',
    'AssignedPartitions []TopicPartitions 0+',
    'PartitionsPendingRevocation []TopicPartitions 0+',
  ], { TopicPartitions: ['0+', topicPartitions] }),
  pair(10, 'ShareGroupMemberMetadata', GM, '0', '0+', [
    'RackId string 0+ ?0+ =null',
    'ClientId string 0+',
    'ClientHost string 0+',
    'SubscribedTopicNames []string 0+',
  ]),
  pair(11, 'ShareGroupMetadata', G, '0', '0+', ['Epoch int32 0+', 'MetadataHash int64 0+ #0@0+ =0']),
  pair(12, 'ShareGroupTargetAssignmentMetadata', G, '0', '0+', ['AssignmentEpoch int32 0+']),
  pair(13, 'ShareGroupTargetAssignmentMember', GM, '0', '0+', [['TopicPartitions []TopicPartition 0+', topicPartitions]]),
  pair(14, 'ShareGroupCurrentMemberAssignment', GM, '0', '0+', [
    'MemberEpoch int32 0+',
    'PreviousMemberEpoch int32 0+',
    'State int8 0+',
    ['AssignedPartitions []TopicPartitions 0+', topicPartitions],
  ]),
  pair(15, 'ShareGroupStatePartitionMetadata', G, '0', '0+', [
    'InitializingTopics []TopicPartitionsInfo 0+',
    'InitializedTopics []TopicPartitionsInfo 0+',
    ['DeletingTopics []TopicInfo 0+', ['TopicId uuid 0+', 'TopicName string 0+']],
  ], { TopicPartitionsInfo: ['0+', ['TopicId uuid 0+', 'TopicName string 0+', 'Partitions []int32 0+']] }),
  pair(16, 'ConsumerGroupRegularExpression', ['GroupId string 0', 'RegularExpression string 0'], '0', '0+', [
    'Topics []string 0+',
    'Version int64 0+',
    'Timestamp int64 0+',
  ]),
];
