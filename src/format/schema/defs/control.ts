import { message } from '../dsl.js';

/**
 * KRaft control record values (clients/src/main/resources/common/message/*.json). DumpLogSegments
 * always reads them at version 0 and writes their JSON at their own `Version` field.
 */
const Voter = ['0+', ['VoterId int32 0+', 'VoterDirectoryId uuid 1+']] as const;

export const LeaderChangeMessage = message({
  name: 'LeaderChangeMessage',
  valid: '0-1',
  flexible: '0+',
  fields: ['Version int16 0+', 'LeaderId int32 0+', 'Voters []Voter 0+', 'GrantingVoters []Voter 0+'],
  common: { Voter },
});

export const SnapshotHeaderRecord = message({
  name: 'SnapshotHeaderRecord',
  valid: '0',
  flexible: '0+',
  fields: ['Version int16 0+', 'LastContainedLogTimestamp int64 0+'],
});

export const SnapshotFooterRecord = message({
  name: 'SnapshotFooterRecord',
  valid: '0',
  flexible: '0+',
  fields: ['Version int16 0+'],
});

export const KRaftVersionRecord = message({
  name: 'KRaftVersionRecord',
  valid: '0',
  flexible: '0+',
  fields: ['Version int16 0+', 'KRaftVersion int16 0+'],
});

export const VotersRecord = message({
  name: 'VotersRecord',
  valid: '0',
  flexible: '0+',
  fields: [
    'Version int16 0+',
    [
      'Voters []Voter 0+',
      [
        'VoterId int32 0+',
        'VoterDirectoryId uuid 0+',
        ['Endpoints []Endpoint 0+', ['Name string 0+', 'Host string 0+', 'Port uint16 0+']],
        ['KRaftVersionFeature KRaftVersionFeature 0+', ['MinSupportedVersion int16 0+', 'MaxSupportedVersion int16 0+']],
      ],
    ],
  ],
});

/** Embedded consumer protocol payloads of GroupMetadataValue members (protocolType "consumer"). */
export const ConsumerProtocolSubscription = message({
  name: 'ConsumerProtocolSubscription',
  valid: '0-3',
  flexible: 'none',
  fields: [
    'Topics []string 0+',
    'UserData bytes 0+ ?0+ =null',
    ['OwnedPartitions []TopicPartition 1+', ['Topic string 1+', 'Partitions []int32 1+']],
    'GenerationId int32 2+ =-1',
    'RackId string 3+ ?3+ =null',
  ],
});

export const ConsumerProtocolAssignment = message({
  name: 'ConsumerProtocolAssignment',
  valid: '0-3',
  flexible: 'none',
  fields: [
    ['AssignedPartitions []TopicPartition 0+', ['Topic string 0+', 'Partitions []int32 0+']],
    'UserData bytes 0+ ?0+ =null',
  ],
});
