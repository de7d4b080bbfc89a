import { message } from '../dsl.js';
import type { MessageSchema } from '../types.js';

/** KRaft metadata records (metadata/src/main/resources/common/metadata/*.json). */
const m = (name: string, apiKey: number, valid: string, fields: Parameters<typeof message>[0]['fields']): MessageSchema =>
  message({ name, apiKey, valid, flexible: '0+', fields });

const endpoint = ['Name string 0+', 'Host string 0+', 'Port uint16 0+', 'SecurityProtocol int16 0+'];
const feature = ['Name string 0+', 'MinSupportedVersion int16 0+', 'MaxSupportedVersion int16 0+'];
/** Kafka 4.3 (KIP-1066): log directories the broker no longer places new partitions on. */
const CORDONED_LOG_DIRS_4 = 'CordonedLogDirs []uuid 4+ ?4+ #1@4+ =null';

export const METADATA_RECORDS: readonly MessageSchema[] = [
  m('RegisterBrokerRecord', 0, '0-4', [
    'BrokerId int32 0+',
    'IsMigratingZkBroker bool 2+ =false',
    'IncarnationId uuid 0+',
    'BrokerEpoch int64 0+',
    ['EndPoints []BrokerEndpoint 0+', endpoint],
    ['Features []BrokerFeature 0+', feature],
    'Rack string 0+ ?0+',
    'Fenced bool 0+ =true',
    'InControlledShutdown bool 1+ =false',
    'LogDirs []uuid 3+ #0@3+',
    CORDONED_LOG_DIRS_4,
  ]),
  m('UnregisterBrokerRecord', 1, '0', ['BrokerId int32 0+', 'BrokerEpoch int64 0+']),
  m('TopicRecord', 2, '0', ['Name string 0+', 'TopicId uuid 0+']),
  m('PartitionRecord', 3, '0-2', [
    'PartitionId int32 0+ =-1',
    'TopicId uuid 0+',
    'Replicas []int32 0+',
    'Isr []int32 0+',
    'RemovingReplicas []int32 0+',
    'AddingReplicas []int32 0+',
    'Leader int32 0+ =-1',
    'LeaderRecoveryState int8 0+ #0@0+ =0',
    'LeaderEpoch int32 0+ =-1',
    'PartitionEpoch int32 0+ =-1',
    'Directories []uuid 1+',
    'EligibleLeaderReplicas []int32 2+ ?2+ #1@2+ =null',
    'LastKnownElr []int32 2+ ?2+ #2@2+ =null',
  ]),
  m('ConfigRecord', 4, '0', ['ResourceType int8 0+', 'ResourceName string 0+', 'Name string 0+', 'Value string 0+ ?0+']),
  m('PartitionChangeRecord', 5, '0-2', [
    'PartitionId int32 0+ =-1',
    'TopicId uuid 0+',
    'Isr []int32 0+ ?0+ #0@0+ =null',
    'Leader int32 0+ #1@0+ =-2',
    'Replicas []int32 0+ ?0+ #2@0+ =null',
    'RemovingReplicas []int32 0+ ?0+ #3@0+ =null',
    'AddingReplicas []int32 0+ ?0+ #4@0+ =null',
    'LeaderRecoveryState int8 0+ #5@0+ =-1',
    'Directories []uuid 1+ ?1+ #8@1+ =null',
    'EligibleLeaderReplicas []int32 2+ ?2+ #6@2+ =null',
    'LastKnownElr []int32 2+ ?2+ #7@2+ =null',
  ]),
  m('FenceBrokerRecord', 7, '0', ['Id int32 0+', 'Epoch int64 0+']),
  m('UnfenceBrokerRecord', 8, '0', ['Id int32 0+', 'Epoch int64 0+']),
  m('RemoveTopicRecord', 9, '0', ['TopicId uuid 0+']),
  m('DelegationTokenRecord', 10, '0', [
    'Owner string 0+',
    'Requester string 0+',
    'Renewers []string 0+',
    'IssueTimestamp int64 0+',
    'MaxTimestamp int64 0+',
    'ExpirationTimestamp int64 0+',
    'TokenId string 0+',
  ]),
  m('UserScramCredentialRecord', 11, '0', [
    'Name string 0+',
    'Mechanism int8 0+',
    'Salt bytes 0+',
    'StoredKey bytes 0+',
    'ServerKey bytes 0+',
    'Iterations int32 0+',
  ]),
  m('FeatureLevelRecord', 12, '0', ['Name string 0+', 'FeatureLevel int16 0+']),
  m('ClientQuotaRecord', 14, '0', [
    ['Entity []EntityData 0+', ['EntityType string 0+', 'EntityName string 0+ ?0+']],
    'Key string 0+',
    'Value float64 0+',
    'Remove bool 0+',
  ]),
  m('ProducerIdsRecord', 15, '0', ['BrokerId int32 0+', 'BrokerEpoch int64 0+ =-1', 'NextProducerId int64 0+']),
  m('BrokerRegistrationChangeRecord', 17, '0-3', [
    'BrokerId int32 0+',
    'BrokerEpoch int64 0+',
    'Fenced int8 0+ #0@0+ =0',
    'InControlledShutdown int8 1+ #1@1+ =0',
    'LogDirs []uuid 2+ #2@2+',
    'CordonedLogDirs []uuid 3+ ?3+ #3@3+ =null',
  ]),
  m('AccessControlEntryRecord', 18, '0', [
    'Id uuid 0+',
    'ResourceType int8 0+',
    'ResourceName string 0+',
    'PatternType int8 0+',
    'Principal string 0+',
    'Host string 0+',
    'Operation int8 0+',
    'PermissionType int8 0+',
  ]),
  m('RemoveAccessControlEntryRecord', 19, '0', ['Id uuid 0+']),
  m('NoOpRecord', 20, '0', []),
  m('ZkMigrationStateRecord', 21, '0', ['ZkMigrationState int8 0+']),
  m('RemoveUserScramCredentialRecord', 22, '0', ['Name string 0+', 'Mechanism int8 0+']),
  m('BeginTransactionRecord', 23, '0', ['Name string 0+ ?0+ #0@0+ =null']),
  m('EndTransactionRecord', 24, '0', []),
  m('AbortTransactionRecord', 25, '0', ['Reason string 0+ ?0+ #0@0+ =null']),
  m('RemoveDelegationTokenRecord', 26, '0', ['TokenId string 0+']),
  m('RegisterControllerRecord', 27, '0', [
    'ControllerId int32 0+',
    'IncarnationId uuid 0+',
    'ZkMigrationReady bool 0+',
    ['EndPoints []ControllerEndpoint 0+', endpoint],
    ['Features []ControllerFeature 0+', feature],
  ]),
  m('ClearElrRecord', 28, '0', ['TopicName string 0+']),
];

/** `MetadataRecordType` enum name: the schema name in UPPER_SNAKE (`TopicRecord` → `TOPIC_RECORD`). */
export function metadataTypeName(schema: MessageSchema): string {
  return schema.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}
