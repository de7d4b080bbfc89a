import { message, type FieldDef } from '../dsl.js';
import type { MessageSchema } from '../types.js';

/**
 * Group coordinator records (group-coordinator/src/main/resources/common/message/*.json): one
 * key/value schema pair per record type (`apiKey`). Keys are never flexible.
 *
 * Checked field by field against Kafka's JSON definitions (see docs/internal-topics.md, "Sources"):
 * types 9 (ShareGroupPartitionMetadata, KAFKA-17747 [6/N]) and 18 (StreamsGroupPartitionMetadata,
 * KAFKA-17747 [5/N]) were removed in 4.1 and decode as unknown record types, as in Kafka 4.3.
 * 4.3 additions: `AssignmentTimestamp` (KAFKA-20266, tag 0) on the three TargetAssignmentMetadata
 * values; `AssignmentEpochs` (KIP-1251, tag 0) on current-assignment partitions/tasks.
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
/** KAFKA-20266 (4.3): when the last target assignment calculation finished; 0 when absent. */
const ASSIGNMENT_TIMESTAMP = 'AssignmentTimestamp int64 0+ #0@0+ =0';
/** Streams tasks: subtopology → partitions (StreamsGroupTargetAssignmentMemberValue `TaskIds`). */
const taskIds = ['SubtopologyId string 0+', 'Partitions []int32 0+'];
const topicInfo = [
  'Name string 0+',
  'Partitions int32 0+',
  'ReplicationFactor int16 0+',
  ['TopicConfigs []TopicConfig 0+', ['key string 0+', 'value string 0+']],
] as const;

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
        ['PartitionMetadata []PartitionMetadata 0+', ['Partition int32 0+', 'Racks []string 0+']],
      ],
    ],
  ]),
  pair(5, 'ConsumerGroupMemberMetadata', GM, '0', '0+', [
    'InstanceId string 0+ ?0+',
    'RackId string 0+ ?0+',
    'ClientId string 0+',
    'ClientHost string 0+',
    'SubscribedTopicNames []string 0+',
    'SubscribedTopicRegex string 0+ ?0+',
    'RebalanceTimeoutMs int32 0+ =-1',
    'ServerAssignor string 0+ ?0+',
    [
      // the default is an empty struct, not null: a null here is written (and printed as null)
      'ClassicMemberMetadata ClassicMemberMetadata 0+ ?0+ #0@0+',
      ['SessionTimeoutMs int32 0+', ['SupportedProtocols []ClassicProtocol 0+', ['Name string 0+', 'Metadata bytes 0+']]],
    ],
  ]),
  pair(6, 'ConsumerGroupTargetAssignmentMetadata', G, '0', '0+', ['AssignmentEpoch int32 0+', ASSIGNMENT_TIMESTAMP]),
  pair(7, 'ConsumerGroupTargetAssignmentMember', GM, '0', '0+', [['TopicPartitions []TopicPartition 0+', topicPartitions]]),
  pair(8, 'ConsumerGroupCurrentMemberAssignment', GM, '0', '0+', [
    'MemberEpoch int32 0+',
    'PreviousMemberEpoch int32 0+',
    'State int8 0+',
    'AssignedPartitions []TopicPartitions 0+',
    'PartitionsPendingRevocation []TopicPartitions 0+',
  ], { TopicPartitions: ['0+', [...topicPartitions, 'AssignmentEpochs []int32 0+ ?0+ #0@0+']] }),
  pair(10, 'ShareGroupMemberMetadata', GM, '0', '0+', [
    'RackId string 0+ ?0+',
    'ClientId string 0+',
    'ClientHost string 0+',
    'SubscribedTopicNames []string 0+',
  ]),
  // unlike type 3, MetadataHash is a plain field here
  pair(11, 'ShareGroupMetadata', G, '0', '0+', ['Epoch int32 0+', 'MetadataHash int64 0+']),
  pair(12, 'ShareGroupTargetAssignmentMetadata', G, '0', '0+', ['AssignmentEpoch int32 0+', ASSIGNMENT_TIMESTAMP]),
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
  // Streams groups (KIP-1071, 4.1+). Metadata hash is a plain field here (unlike types 3 and 11).
  pair(17, 'StreamsGroupMetadata', G, '0', '0+', [
    'Epoch int32 0+',
    'MetadataHash int64 0+',
    'ValidatedTopologyEpoch int32 0+ #0@0+ =-1',
    // the default is an empty array, not null: a null here is written (and printed as null)
    ['LastAssignmentConfigs []LastAssignmentConfig 0+ ?0+ #1@0+', ['Key string 0+', 'Value string 0+']],
  ]),
  pair(19, 'StreamsGroupMemberMetadata', GM, '0', '0+', [
    'InstanceId string 0+ ?0+',
    'RackId string 0+ ?0+',
    'ClientId string 0+',
    'ClientHost string 0+',
    'RebalanceTimeoutMs int32 0+ =-1',
    'TopologyEpoch int32 0+',
    'ProcessId string 0+',
    ['UserEndpoint Endpoint 0+ ?0+ =null', ['Host string 0+', 'Port uint16 0+']],
    ['ClientTags []KeyValue 0+', ['Key string 0+', 'Value string 0+']],
  ]),
  pair(20, 'StreamsGroupTargetAssignmentMetadata', G, '0', '0+', ['AssignmentEpoch int32 0+', ASSIGNMENT_TIMESTAMP]),
  pair(21, 'StreamsGroupTargetAssignmentMember', GM, '0', '0+', [
    'ActiveTasks []TaskIds 0+',
    'StandbyTasks []TaskIds 0+',
    'WarmupTasks []TaskIds 0+',
  ], { TaskIds: ['0+', taskIds] }),
  pair(22, 'StreamsGroupCurrentMemberAssignment', GM, '0', '0+', [
    'MemberEpoch int32 0+',
    'PreviousMemberEpoch int32 0+',
    'State int8 0+',
    'ActiveTasks []TaskIds 0+',
    'StandbyTasks []TaskIds 0+',
    'WarmupTasks []TaskIds 0+',
    'ActiveTasksPendingRevocation []TaskIds 0+',
    'StandbyTasksPendingRevocation []TaskIds 0+',
    'WarmupTasksPendingRevocation []TaskIds 0+',
  ], { TaskIds: ['0+', [...taskIds, 'AssignmentEpochs []int32 0+ ?0+ #0@0+']] }),
  pair(23, 'StreamsGroupTopology', G, '0', '0+', [
    'Epoch int32 0+',
    [
      'Subtopologies []Subtopology 0+',
      [
        'SubtopologyId string 0+',
        'SourceTopics []string 0+',
        'SourceTopicRegex []string 0+',
        'StateChangelogTopics []TopicInfo 0+',
        'RepartitionSinkTopics []string 0+',
        'RepartitionSourceTopics []TopicInfo 0+',
        [
          'CopartitionGroups []CopartitionGroup 0+',
          ['SourceTopics []int16 0+', 'SourceTopicRegex []int16 0+', 'RepartitionSourceTopics []int16 0+'],
        ],
      ],
    ],
  ], { TopicInfo: ['0+', topicInfo] }),
];
