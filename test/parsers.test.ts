import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JavaException } from '../src/dump/java-exception.js';
import {
  createClusterMetadataParser,
  createOffsetsParser,
  createRemoteLogMetadataParser,
  createShareGroupStateParser,
  createTransactionLogParser,
  formatControlRecord,
} from '../src/dump/parsers/index.js';
import { decodeRecordBatchHeader, frameAt } from '../src/format/batch.js';
import { decodeBatchRecords } from '../src/format/record.js';
import { W } from './schema.test.js';

const SHARED = resolve(import.meta.dirname, '../../shared');

describe('DumpLogSegments parsers (examples from Kafka 4.3 tests)', () => {
  const offsets = createOffsetsParser();
  it('offsets decoder: key/value JSON, tombstones, unknown types, errors, missing key', () => {
    const key = new W().i16(3).str('group').bytes;
    expect(offsets.parse({ offset: 5, key, value: new W().i16(0).i32(10).uv(0).bytes })).toEqual({
      key: '{"type":"3","data":{"groupId":"group"}}',
      value: '{"version":"0","data":{"epoch":10}}',
    });
    expect(offsets.parse({ offset: 5, key, value: null }).value).toBe('<DELETE>');
    expect(offsets.parse({ offset: 0, key: new W().i16(32767).bytes, value: null })).toEqual({ key: 'Unknown record type 32767 at offset 0, skipping.' });
    expect(offsets.parse({ offset: 3, key: Uint8Array.of(0), value: null })).toEqual({ key: "Error at offset 3, skipping. Could not read version from key's buffer." });
    expect(() => offsets.parse({ offset: 7, key: null, value: null })).toThrow(JavaException);
    // GroupMetadataValue v0 whose subscription claims 536870911 bytes.
    const gm = new W().i16(0).str('').i32(0).i16(-1).i16(-1).i32(1).str('m').str('c').str('h').i32(1).i32(0x1fffffff).i8(0).bytes;
    expect(offsets.parse({ offset: 0, key: new W().i16(2).str('g').bytes, value: gm }).key).toBe(
      "Error at offset 0, skipping. Could not read record with version 0 from value's buffer due to: Error reading byte array of 536870911 byte(s): only 1 byte(s) available.",
    );
  });

  it('offsets decoder re-parses consumer protocol bytes, and keeps malformed ones', () => {
    const sub = new W().i16(3).i32(1).str('foo').i32(-1).i32(1).str('foo').i32(1).i32(0).i32(0).str('rack').bytes;
    const asg = new W().i16(3).i32(1).str('foo').i32(1).i32(0).i32(-1).bytes;
    // GroupMetadataValue v4 (flexible): compact strings and bytes.
    const v4member = (s: Uint8Array, a: Uint8Array) =>
      new W().cstr('member').cstr('instance').cstr('client').cstr('host').i32(1000).i32(100).uv(s.length + 1).raw(s).uv(a.length + 1).raw(a).uv(0).bytes;
    const v4 = (s: Uint8Array, a: Uint8Array) => new W().i16(4).cstr('consumer').i32(10).cstr('range').cstr('member').i64(-1).uv(2).raw(v4member(s, a)).uv(0).bytes;
    const key = new W().i16(2).str('group').bytes;
    expect(offsets.parse({ offset: 0, key, value: v4(sub, asg) }).value).toBe(
      '{"version":"4","data":{"protocolType":"consumer","generation":10,"protocol":"range","leader":"member","currentStateTimestamp":-1,"members":[{"memberId":"member","groupInstanceId":"instance","clientId":"client","clientHost":"host","rebalanceTimeout":1000,"sessionTimeout":100,"subscription":{"topics":["foo"],"userData":null,"ownedPartitions":[{"topic":"foo","partitions":[0]}],"generationId":0,"rackId":"rack"},"assignment":{"assignedPartitions":[{"topic":"foo","partitions":[0]}],"userData":null}}]}}',
    );
    const bad = (s: string) => Uint8Array.from(Buffer.from(s));
    expect(offsets.parse({ offset: 0, key, value: v4(bad('Subscription'), bad('Assignment')) }).value).toContain(
      '"subscription":"U3Vic2NyaXB0aW9u","assignment":"QXNzaWdubWVudA=="}]}}',
    );
  });

  it('transaction log decoder', () => {
    const key = new W().i16(0).str('txnId').bytes;
    const v1 = new W()
      .i16(1).i64(12).i16(2).i32(14).i8(0)
      .uv(3).cstr('topic1').uv(4).i32(0).i32(1).i32(2).uv(0).cstr('topic2').uv(4).i32(3).i32(4).i32(5).uv(0)
      .i64(123).i64(13)
      .uv(2).uv(0).uv(8).i64(11).uv(1).uv(8).i64(10).bytes;
    expect(createTransactionLogParser().parse({ offset: 0, key, value: v1 })).toEqual({
      key: '{"type":"0","data":{"transactionalId":"txnId"}}',
      value:
        '{"version":"1","data":{"producerId":12,"previousProducerId":11,"nextProducerId":10,"producerEpoch":2,"transactionTimeoutMs":14,"transactionStatus":0,"transactionPartitions":[{"topic":"topic1","partitionIds":[0,1,2]},{"topic":"topic2","partitionIds":[3,4,5]}],"transactionLastUpdateTimestampMs":123,"transactionStartTimestampMs":13}}',
    });
  });

  it('share group state decoder', () => {
    const key = new W().i16(0).str('gs1').raw(Buffer.from('523e709ff16a4d78ac1004af5594 58d7'.replace(' ', ''), 'hex')).i32(0).bytes;
    const value = new W().i16(0).i32(0).i32(0).i32(0).i64(0).i64(5).i64(6).uv(2).i64(0).i64(4).i8(2).i16(1).uv(0).uv(0).bytes;
    const r = createShareGroupStateParser().parse({ offset: 0, key, value });
    expect(r.key).toMatch(/^\{"type":"0","data":\{"groupId":"gs1","topicId":"[A-Za-z0-9_-]{22}","partition":0\}\}$/);
    expect(r.value).toBe('{"version":"0","data":{"snapshotEpoch":0,"stateEpoch":0,"leaderEpoch":0,"startOffset":0,"createTimestamp":5,"writeTimestamp":6,"stateBatches":[{"firstOffset":0,"lastOffset":4,"deliveryState":2,"deliveryCount":1}]}}');
  });

  it('cluster metadata and remote log metadata decoders', () => {
    const topic = new W().uv(1).uv(2).uv(0).cstr('test-topic').raw(new Uint8Array(16)).uv(0).bytes;
    expect(topic.length).toBe(31);
    expect(createClusterMetadataParser().parse({ offset: 3, key: null, value: topic })).toEqual({
      value: '{"type":"TOPIC_RECORD","version":0,"data":{"name":"test-topic","topicId":"AAAAAAAAAAAAAAAAAAAAAA"}}',
    });
    expect(createClusterMetadataParser().parse({ offset: 9, key: null, value: null })).toEqual({ value: 'Error at 9, skipping. Error while reading frame version' });
    expect(createRemoteLogMetadataParser().parse({ offset: 0, key: null, value: Uint8Array.from(Buffer.from('corrupted')) })).toEqual({
      value: 'Error at offset 0, skipping. Could not deserialize metadata record due to unknown frame version 99(only frame version 1 is supported)',
    });
  });

  it('control records', () => {
    const k = (type: number) => new W().i16(0).i16(type).bytes;
    expect(formatControlRecord(k(1), new W().i16(0).i32(42).bytes)).toBe(' endTxnMarker: COMMIT coordinatorEpoch: 42');
    expect(formatControlRecord(k(0), new W().i16(0).i32(0).bytes)).toBe(' endTxnMarker: ABORT coordinatorEpoch: 0');
    const lc = new W().i16(0).i32(1).uv(2).i32(1).uv(0).uv(2).i32(1).uv(0).uv(0).bytes;
    expect(formatControlRecord(k(2), lc)).toBe(' LeaderChange: {"version":0,"leaderId":1,"voters":[{"voterId":1}],"grantingVoters":[{"voterId":1}]}');
    const lc1 = new W().i16(1).i32(1).uv(2).i32(1).uv(0).uv(1).uv(0).bytes;
    expect(formatControlRecord(k(2), lc1)).toBe(' LeaderChange: {"version":1,"leaderId":1,"voters":[{"voterId":1,"voterDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA"}],"grantingVoters":[]}');
    expect(formatControlRecord(k(4), new W().i16(0).uv(0).bytes)).toBe(' SnapshotFooter {"version":0}');
    expect(formatControlRecord(k(5), new W().i16(0).i16(1).uv(0).bytes)).toBe(' KRaftVersion {"version":0,"kRaftVersion":1}');
    const voters = new W().i16(0).uv(2).i32(1).raw(new Uint8Array(16)).uv(2).cstr('CONTROLLER').cstr('localhost').i16(9093).uv(0).i16(0).i16(1).uv(0).uv(0).uv(0).bytes;
    expect(formatControlRecord(k(6), voters)).toBe(
      ' KRaftVoters {"version":0,"voters":[{"voterId":1,"voterDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA","endpoints":[{"name":"CONTROLLER","host":"localhost","port":9093}],"kRaftVersionFeature":{"minSupportedVersion":0,"maxSupportedVersion":1}}]}',
    );
    expect(formatControlRecord(k(7), null)).toBe(' controlType: UNKNOWN(7)');
    expect(formatControlRecord(k(-3), null)).toBe(' controlType: UNKNOWN(-3)');
    expect(() => formatControlRecord(Uint8Array.of(0, 0, 1), null)).toThrowError(
      expect.objectContaining({ firstLine: 'Exception in thread "main" org.apache.kafka.common.InvalidRecordException: Invalid value size found for control record key. Must have at least 4 bytes, but found only 3' }),
    );
    expect(() => formatControlRecord(new W().i16(-1).i16(0).bytes, null)).toThrow('Invalid version found for control record: -1. May indicate data corruption');
    expect(() => formatControlRecord(k(1), Uint8Array.of(0, 0, 1))).toThrowError(expect.objectContaining({ javaClass: 'java.nio.BufferUnderflowException' }));
  });
});

/** Every record of the real KRaft metadata logs decodes to the JSON Kafka 4.3 printed for it. */
/** Kafka 4.3.2's own output for records the modern corpus (scripts/modern-corpus.mjs) holds. */
describe('Kafka 4.3.2 details the modern corpus showed', () => {
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  const i64 = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return b;
  };

  it('a KIP-848 member whose tagged ClassicMemberMetadata is null (an unsigned varint 0, printed as null)', () => {
    const key = hex('0005000a6d6f6465726e2d6170700016534e634871305a56527253484c5030566b4657685177');
    const value = hex(
      '0000106d6f6465726e2d7374617469632d310024636f6e73756d65722d6d6f6465726e2d6170702d6d6f6465726e2d7374617469632d310b2f3132372e302e302e31020767726f75707301000493e00001000100',
    );
    expect(createOffsetsParser().parse({ offset: 0, key, value })).toEqual({
      key: '{"type":"5","data":{"groupId":"modern-app","memberId":"SNcHq0ZVRrSHLP0VkFWhQw"}}',
      value:
        '{"version":"0","data":{"instanceId":"modern-static-1","rackId":null,"clientId":"consumer-modern-app-modern-static-1","clientHost":"/127.0.0.1","subscribedTopicNames":["groups"],"subscribedTopicRegex":"","rebalanceTimeoutMs":300000,"serverAssignor":null,"classicMemberMetadata":null}}',
    });
  });

  it('a share group metadata value whose MetadataHash is a plain field', () => {
    const value = new W().i16(0).i32(2).raw(i64(-8256698817993826264n)).uv(0).bytes;
    expect(value.length).toBe(15);
    expect(createOffsetsParser().parse({ offset: 9, key: new W().i16(11).str('share-gone').bytes, value }).value).toBe(
      '{"version":"0","data":{"epoch":2,"metadataHash":-8256698817993826264}}',
    );
  });

  it('share state with DeliveryCompleteCount (Kafka 4.3, tag 0), printed after StartOffset', () => {
    const key = new W().i16(1).str('share-app').raw(new Uint8Array(16)).i32(0).bytes;
    const value = new W().i16(0).i32(0).i32(0).i64(0).uv(2).i64(0).i64(199).i8(2).i16(1).uv(0).uv(1).uv(0).uv(4).i32(200).bytes;
    expect(createShareGroupStateParser().parse({ offset: 0, key, value }).value).toBe(
      '{"version":"0","data":{"snapshotEpoch":0,"leaderEpoch":0,"startOffset":0,"deliveryCompleteCount":200,"stateBatches":[{"firstOffset":0,"lastOffset":199,"deliveryState":2,"deliveryCount":1}]}}',
    );
  });

  it('a coordinator key is read at version = its record type, which its parse error names', () => {
    // an offset commit key (type 1) read by the share-group state decoder: ShareUpdateKey needs a 16-byte uuid
    expect(createShareGroupStateParser().parse({ offset: 2, key: new W().i16(1).str('g').bytes, value: null })).toEqual({
      key: "Error at offset 2, skipping. Could not read record with version 1 from key's buffer due to: null.",
    });
  });

  it('metadata framing reads its varints as Java ints: past 31 bits they pass the size check and are cut to a short', () => {
    const parse = (value: Uint8Array) => createRemoteLogMetadataParser().parse({ offset: 170, key: null, value }).value;
    // a data record's value: e7 cc b0 e5 48 is 0x8cac2667 as a Java int, (short) 9831
    expect(parse(hex('e7ccb0e548f06647a4c0'))).toBe(
      'Error at offset 170, skipping. Could not deserialize metadata record due to unknown frame version 9831(only frame version 1 is supported)',
    );
    expect(createClusterMetadataParser().parse({ offset: 1, key: null, value: hex('f5f5828008') }).value).toBe(
      'Error at 1, skipping. Could not deserialize metadata record due to unknown frame version -17675(only frame version 1 is supported)',
    );
    // below 2^31 a value over 32767 is still too large
    expect(createClusterMetadataParser().parse({ offset: 1, key: null, value: new W().uv(40000).bytes }).value).toBe('Error at 1, skipping. Value for frame version was too large.');
  });

  it('the remote log decoder on a tombstone names record.internal.Record (Kafka 4.3)', () => {
    expect(createRemoteLogMetadataParser().parse({ offset: 7, key: new W().i16(1).bytes, value: null }).value).toBe(
      'Error at offset 7, skipping. Cannot invoke "java.nio.ByteBuffer.remaining()" because the return value of "org.apache.kafka.common.record.internal.Record.value()" is null',
    );
  });
});

describe.skipIf(!existsSync(resolve(SHARED, 'kraft')))('real metadata logs vs recorded Kafka 4.3 output', () => {
  const files = [
    'gritlab/__cluster_metadata-0/00000000000000000000.log',
    'flink-on-prem/__cluster_metadata-0/00000000000000000000.log',
    'patient-admissions/__cluster_metadata-0/00000000000000060500-0000000025.checkpoint',
  ];
  for (const file of files) {
    it(file, () => {
      const buf = new Uint8Array(readFileSync(resolve(SHARED, 'kraft', file)));
      const expected = readFileSync(resolve(SHARED, 'kraft/expected/kafka-4.3', `${file}.metadata.out`), 'utf8').split('\n');
      const byOffset = new Map<string, string>();
      for (const line of expected) {
        const m = /^\| offset: (\d+) .*?headerKeys: \[[^\]]*\](.*)$/.exec(line);
        if (m) byOffset.set(m[1]!, m[2]!);
      }
      const parser = createClusterMetadataParser();
      let pos = 0;
      let n = 0;
      for (;;) {
        const f = frameAt(buf, pos, buf.length);
        if (f.kind !== 'entry') break;
        const h = decodeRecordBatchHeader(buf, pos, pos);
        for (const r of decodeBatchRecords(buf, pos, h).records) {
          const got = h.isControl ? formatControlRecord(r.key, r.value) : ` payload: ${parser.parse(r).value}`;
          expect(got).toBe(byOffset.get(String(r.offset)));
          n++;
        }
        pos += f.totalSize;
      }
      expect(n).toBe(byOffset.size);
    });
  }
});
