import { describe, expect, it } from 'vitest';
import { createOffsetsParser, createRemoteLogMetadataParser } from '../src/dump/parsers/index.js';
import { uuidToString } from '../src/format/schema/index.js';
import { W } from './schema.test.js';

/**
 * Decoders no recorded row covers. Bytes are built by hand (test/schema.test.ts's W); expected
 * texts follow Kafka's generated JsonConverter + Jackson rules (spec §7.7) and the Java toString()
 * formats in storage/api/src/main/java/org/apache/kafka/server/log/remote/storage/
 * RemoteLogSegmentMetadata.java (incl. CustomMetadata), RemoteLogSegmentId.java,
 * RemotePartitionDeleteMetadata.java and clients/src/main/java/org/apache/kafka/common/TopicIdPartition.java.
 */
const uuid = (seed: number) => Uint8Array.from({ length: 16 }, (_, i) => (seed * 31 + i * 7) & 0xff);
const parse = (key: Uint8Array | null, value: Uint8Array | null) => createOffsetsParser().parse({ offset: 7, key, value });
const remote = (value: Uint8Array | null) => createRemoteLogMetadataParser().parse({ offset: 3, key: null, value }).value;

describe('--offsets-decoder: streams group records (group-coordinator StreamsGroup*.json, types 17-23)', () => {
  it('StreamsGroupMemberMetadata (19): nullable string, nullable struct, uint16 port, key/value list', () => {
    const key = new W().i16(19).str('app').str('m1').bytes;
    const value = new W().i16(0)
      .cstr(null).cstr('rack1').cstr('client').cstr('/127.0.0.1').i32(30000).i32(1).cstr('pid')
      .i8(1).cstr('localhost').i16(8080).uv(0) // UserEndpoint present
      .uv(2).cstr('zone').cstr('a').uv(0) // ClientTags
      .uv(0).bytes;
    expect(parse(key, value)).toEqual({
      key: '{"type":"19","data":{"groupId":"app","memberId":"m1"}}',
      value: '{"version":"0","data":{"instanceId":null,"rackId":"rack1","clientId":"client","clientHost":"/127.0.0.1","rebalanceTimeoutMs":30000,"topologyEpoch":1,"processId":"pid","userEndpoint":{"host":"localhost","port":8080},"clientTags":[{"key":"zone","value":"a"}]}}',
    });
  });

  it('StreamsGroupCurrentMemberAssignment (22): tagged AssignmentEpochs printed only when set', () => {
    const key = new W().i16(22).str('app').str('m1').bytes;
    const tasks = (w: W, id: string, parts: number[], epochs: number[] | null) => {
      w.cstr(id).uv(parts.length + 1);
      parts.forEach((p) => w.i32(p));
      if (epochs === null) return w.uv(0);
      const t = new W().uv(epochs.length + 1);
      epochs.forEach((e) => t.i32(e));
      return w.uv(1).uv(0).uv(t.bytes.length).raw(t.bytes);
    };
    const w = new W().i16(0).i32(5).i32(4).i8(0);
    tasks(w.uv(2), '0', [0, 1], [3, 5]); // ActiveTasks
    tasks(w.uv(2), '1', [2], null); // StandbyTasks
    w.uv(1).uv(1).uv(1).uv(1).uv(0); // four empty arrays, no tagged fields
    expect(parse(key, w.bytes).value).toBe(
      '{"version":"0","data":{"memberEpoch":5,"previousMemberEpoch":4,"state":0,"activeTasks":[{"subtopologyId":"0","partitions":[0,1],"assignmentEpochs":[3,5]}],"standbyTasks":[{"subtopologyId":"1","partitions":[2]}],"warmupTasks":[],"activeTasksPendingRevocation":[],"standbyTasksPendingRevocation":[],"warmupTasksPendingRevocation":[]}}',
    );
  });

  it('StreamsGroupMetadata (17), TargetAssignmentMetadata (20), Topology (23) and the removed type 18', () => {
    const g = (t: number) => new W().i16(t).str('app').bytes;
    expect(parse(g(17), new W().i16(0).i32(3).i64(42).uv(1).uv(0).uv(4).i32(2).bytes).value).toBe(
      '{"version":"0","data":{"epoch":3,"metadataHash":42,"validatedTopologyEpoch":2}}',
    );
    expect(parse(g(20), new W().i16(0).i32(3).uv(1).uv(0).uv(8).i64(1700000000000).bytes).value).toBe(
      '{"version":"0","data":{"assignmentEpoch":3,"assignmentTimestamp":1700000000000}}',
    );
    const topo = new W().i16(0).i32(1).uv(2)
      .cstr('0').uv(2).cstr('in').uv(1) // SourceTopics, SourceTopicRegex
      .uv(2).cstr('app-store-changelog').i32(0).i16(3).uv(2).cstr('cleanup.policy').cstr('compact').uv(0).uv(0) // StateChangelogTopics
      .uv(1).uv(1) // RepartitionSinkTopics, RepartitionSourceTopics
      .uv(2).uv(2).i16(0).uv(1).uv(1).uv(0) // CopartitionGroups
      .uv(0).uv(0).bytes;
    expect(parse(g(23), topo).value).toBe(
      '{"version":"0","data":{"epoch":1,"subtopologies":[{"subtopologyId":"0","sourceTopics":["in"],"sourceTopicRegex":[],"stateChangelogTopics":[{"name":"app-store-changelog","partitions":0,"replicationFactor":3,"topicConfigs":[{"key":"cleanup.policy","value":"compact"}]}],"repartitionSinkTopics":[],"repartitionSourceTopics":[],"copartitionGroups":[{"sourceTopics":[0],"sourceTopicRegex":[],"repartitionSourceTopics":[]}]}]}}',
    );
    expect(parse(g(18), null)).toEqual({ key: 'Unknown record type 18 at offset 7, skipping.' });
    expect(parse(g(9), null)).toEqual({ key: 'Unknown record type 9 at offset 7, skipping.' });
  });

  it('ConsumerGroupCurrentMemberAssignment (8): AssignmentEpochs (KIP-1251) — empty is the default, null is printed', () => {
    const key = new W().i16(8).str('g').str('m').bytes;
    const tp = (w: W, tag: Uint8Array | null) => {
      w.raw(uuid(1)).uv(2).i32(0);
      return tag === null ? w.uv(0) : w.uv(1).uv(0).uv(tag.length).raw(tag);
    };
    const value = (tag: Uint8Array | null) => {
      const w = new W().i16(0).i32(2).i32(1).i8(0).uv(2);
      return tp(w, tag).uv(1).uv(0).bytes;
    };
    const prefix = `{"version":"0","data":{"memberEpoch":2,"previousMemberEpoch":1,"state":0,"assignedPartitions":[{"topicId":"${uuidToString(uuid(1))}","partitions":[0]`;
    expect(parse(key, value(null)).value).toBe(`${prefix}}],"partitionsPendingRevocation":[]}}`);
    expect(parse(key, value(Uint8Array.of(2, 0, 0, 0, 9))).value).toBe(`${prefix},"assignmentEpochs":[9]}],"partitionsPendingRevocation":[]}}`);
    expect(parse(key, value(Uint8Array.of(0))).value).toBe(`${prefix},"assignmentEpochs":null}],"partitionsPendingRevocation":[]}}`);
  });
});

describe('--remote-log-metadata-decoder: RemoteLogMetadataSerde + Java toString()', () => {
  const tid = uuid(2);
  const sid = uuid(3);
  const tip = (w: W) => w.cstr('foo').raw(tid).i32(0).uv(0);
  const segmentRecord = (state: number, epochs: [number, number][], end = 100) => {
    const w = new W().uv(1).uv(0).uv(0);
    tip(w).raw(sid).uv(0); // RemoteLogSegmentId
    w.i64(0).i64(end).i32(1).i64(1700000000000).i64(1700000000001);
    w.uv(epochs.length + 1);
    for (const [e, o] of epochs) w.i32(e).i64(o).uv(0);
    return w.i32(1024).uv(4).raw([1, 2, 3]).i8(state).uv(1).uv(0).uv(1).i8(1).bytes;
  };
  const idText = `RemoteLogSegmentId{topicIdPartition=${uuidToString(tid)}:foo-0, id=${uuidToString(sid)}}`;

  it('RemoteLogSegmentMetadata: TreeMap order, Optional[CustomMetadata{n bytes}], state name, tagged txnIdxEmpty', () => {
    expect(remote(segmentRecord(1, [[5, 10], [0, 0]]))).toBe(
      `RemoteLogSegmentMetadata{remoteLogSegmentId=${idText}, startOffset=0, endOffset=100, brokerId=1, maxTimestampMs=1700000000000, eventTimestampMs=1700000000001, segmentLeaderEpochs={0=0, 5=10}, segmentSizeInBytes=1024, customMetadata=Optional[CustomMetadata{3 bytes}], state=COPY_SEGMENT_FINISHED, txnIdxEmpty=true}`,
    );
  });

  it('constructor checks become error lines', () => {
    expect(remote(segmentRecord(9, [[0, 0]]))).toBe('Error at offset 3, skipping. state can not be null');
    expect(remote(segmentRecord(0, []))).toBe('Error at offset 3, skipping. segmentLeaderEpochs can not be null or empty');
    expect(remote(segmentRecord(0, [[0, 0]], -1))).toBe(
      'Error at offset 3, skipping. Unexpected end offset = -1. EndOffset for a remote segment cannot be less than startOffset = 0',
    );
  });

  it('RemoteLogSegmentMetadataUpdate, RemotePartitionDeleteMetadata (the 4.3 test example), snapshot', () => {
    const upd = new W().uv(1).uv(1).uv(0);
    tip(upd).raw(sid).uv(0);
    expect(remote(upd.i32(2).i64(5).uv(0).i8(2).uv(0).bytes)).toBe(
      `RemoteLogSegmentMetadataUpdate{remoteLogSegmentId=${idText}, customMetadata=Optional.empty, state=DELETE_SEGMENT_STARTED, eventTimestampMs=5, brokerId=2}`,
    );
    const del = new W().uv(1).uv(2).uv(0);
    expect(remote(tip(del).i32(0).i64(0).i8(0).uv(0).bytes)).toBe(
      `RemotePartitionDeleteMetadata{topicPartition=${uuidToString(tid)}:foo-0, state=DELETE_PARTITION_MARKED, eventTimestampMs=0, brokerId=0}`,
    );
    const snap = new W().uv(1).uv(3).uv(0).raw(sid).i64(10).i64(20).i32(1).i64(30).i64(40).uv(2).i32(1).i64(10).uv(0).i32(7).uv(0).i8(3).uv(0).bytes;
    expect(remote(snap)).toBe(
      `RemoteLogSegmentMetadataSnapshot{segmentId=${uuidToString(sid)}, startOffset=10, endOffset=20, maxTimestampMs=30, segmentLeaderEpochs={1=10}, segmentSizeInBytes=7, customMetadata=Optional.empty, state=DELETE_SEGMENT_FINISHED, txnIdxEmpty=false}`,
    );
  });

  it('framing errors as for metadata records', () => {
    expect(remote(new TextEncoder().encode('corrupted'))).toBe(
      'Error at offset 3, skipping. Could not deserialize metadata record due to unknown frame version 99(only frame version 1 is supported)',
    );
    expect(remote(new W().uv(1).uv(4).uv(0).bytes)).toBe(
      'Error at offset 3, skipping. org.apache.kafka.common.errors.UnsupportedVersionException: Unknown metadata id 4',
    );
    expect(remote(new W().uv(1).uv(2).uv(0).bytes)).toBe('Error at offset 3, skipping. Failed to deserialize record with type 2');
  });
});
