import { SchemaError, type FieldValue, type MessageData } from '../../format/schema/index.js';
import { decodeApiMessageFrame } from '../../format/schema/metadata.js';
import { REMOTE_LOG_METADATA_RECORDS } from '../../format/schema/defs/remote-log.js';

/**
 * `RemoteLogMetadataSerde.deserialize(bytes).toString()`, as DumpLogSegments'
 * `RemoteMetadataLogMessageParser` prints it. Formats from Kafka's
 * storage/api/src/main/java/org/apache/kafka/server/log/remote/storage/RemoteLogSegmentMetadata.java,
 * RemoteLogSegmentId.java, RemoteLogSegmentMetadataUpdate.java, RemotePartitionDeleteMetadata.java,
 * storage/src/main/java/.../remote/metadata/storage/RemoteLogSegmentMetadataSnapshot.java and
 * clients' TopicIdPartition.java; the record → object mapping from the serialization/*Transform
 * classes (constructor checks included, in the order the constructors run them).
 */

const NPE = 'java.lang.NullPointerException';
const IAE = 'java.lang.IllegalArgumentException';

/** `RemoteLogSegmentState.forId` (null for an unknown id). */
const SEGMENT_STATES: Record<number, string> = {
  0: 'COPY_SEGMENT_STARTED',
  1: 'COPY_SEGMENT_FINISHED',
  2: 'DELETE_SEGMENT_STARTED',
  3: 'DELETE_SEGMENT_FINISHED',
};
/** `RemotePartitionDeleteState.forId`. */
const PARTITION_DELETE_STATES: Record<number, string> = {
  0: 'DELETE_PARTITION_MARKED',
  1: 'DELETE_PARTITION_STARTED',
  2: 'DELETE_PARTITION_FINISHED',
};

const SCHEMAS = new Map(REMOTE_LOG_METADATA_RECORDS.map((s) => [s.apiKey, s]));

function state(table: Record<number, string>, id: FieldValue): string {
  const name = table[id as number];
  if (name === undefined) throw new SchemaError(NPE, 'state can not be null');
  return name;
}

/** `TopicIdPartition.toString()`: `<topicId>:<topic>-<partition>`. */
function topicIdPartition(d: MessageData): string {
  return `${d['id'] as string}:${d['name'] as string}-${d['partition'] as number}`;
}

function segmentId(d: MessageData): string {
  return `RemoteLogSegmentId{topicIdPartition=${topicIdPartition(d['topicIdPartition'] as MessageData)}, id=${d['id'] as string}}`;
}

/** `Optional.ofNullable(bytes).map(CustomMetadata::new).toString()`. */
function customMetadata(v: FieldValue): string {
  return v === null ? 'Optional.empty' : `Optional[CustomMetadata{${(v as Uint8Array).length} bytes}]`;
}

/** `new TreeMap<>(HashMap of leaderEpoch → offset).toString()`: sorted by epoch, last duplicate wins. */
function leaderEpochMap(entries: FieldValue): string {
  const m = new Map<number, FieldValue>();
  for (const e of entries as MessageData[]) m.set(e['leaderEpoch'] as number, e['offset']!);
  if (m.size === 0) throw new SchemaError(IAE, 'segmentLeaderEpochs can not be null or empty');
  const keys = [...m.keys()].sort((a, b) => a - b);
  return '{' + keys.map((k) => `${k}=${String(m.get(k))}`).join(', ') + '}';
}

/** `RemoteLogSegmentMetadata`'s constructor checks (the snapshot's mirror them). */
function checkOffsets(d: MessageData): void {
  const start = BigInt(d['startOffset'] as number | bigint);
  const end = BigInt(d['endOffset'] as number | bigint);
  if (start < 0n) throw new SchemaError(IAE, `Unexpected start offset = ${start}. StartOffset for a remote segment cannot be negative`);
  if (end < start) {
    throw new SchemaError(IAE, `Unexpected end offset = ${end}. EndOffset for a remote segment cannot be less than startOffset = ${start}`);
  }
}

function segmentMetadata(d: MessageData): string {
  const st = state(SEGMENT_STATES, d['remoteLogSegmentState']!);
  checkOffsets(d);
  const epochs = leaderEpochMap(d['segmentLeaderEpochs']!);
  return (
    `RemoteLogSegmentMetadata{remoteLogSegmentId=${segmentId(d['remoteLogSegmentId'] as MessageData)}` +
    `, startOffset=${String(d['startOffset'])}, endOffset=${String(d['endOffset'])}, brokerId=${d['brokerId'] as number}` +
    `, maxTimestampMs=${String(d['maxTimestampMs'])}, eventTimestampMs=${String(d['eventTimestampMs'])}` +
    `, segmentLeaderEpochs=${epochs}, segmentSizeInBytes=${d['segmentSizeInBytes'] as number}` +
    `, customMetadata=${customMetadata(d['customMetadata']!)}, state=${st}, txnIdxEmpty=${d['txnIndexEmpty'] ? 'true' : 'false'}}`
  );
}

function segmentMetadataUpdate(d: MessageData): string {
  const st = state(SEGMENT_STATES, d['remoteLogSegmentState']!);
  return (
    `RemoteLogSegmentMetadataUpdate{remoteLogSegmentId=${segmentId(d['remoteLogSegmentId'] as MessageData)}` +
    `, customMetadata=${customMetadata(d['customMetadata']!)}, state=${st}` +
    `, eventTimestampMs=${String(d['eventTimestampMs'])}, brokerId=${d['brokerId'] as number}}`
  );
}

function partitionDelete(d: MessageData): string {
  const st = state(PARTITION_DELETE_STATES, d['remotePartitionDeleteState']!);
  return (
    `RemotePartitionDeleteMetadata{topicPartition=${topicIdPartition(d['topicIdPartition'] as MessageData)}` +
    `, state=${st}, eventTimestampMs=${String(d['eventTimestampMs'])}, brokerId=${d['brokerId'] as number}}`
  );
}

function snapshot(d: MessageData): string {
  const st = state(SEGMENT_STATES, d['remoteLogSegmentState']!);
  checkOffsets(d);
  const epochs = leaderEpochMap(d['segmentLeaderEpochs']!);
  return (
    `RemoteLogSegmentMetadataSnapshot{segmentId=${d['segmentId'] as string}` +
    `, startOffset=${String(d['startOffset'])}, endOffset=${String(d['endOffset'])}` +
    `, maxTimestampMs=${String(d['maxTimestampMs'])}, segmentLeaderEpochs=${epochs}` +
    `, segmentSizeInBytes=${d['segmentSizeInBytes'] as number}, customMetadata=${customMetadata(d['customMetadata']!)}` +
    `, state=${st}, txnIdxEmpty=${d['txnIndexEmpty'] ? 'true' : 'false'}}`
  );
}

const FORMATTERS: Record<number, (d: MessageData) => string> = {
  0: segmentMetadata,
  1: segmentMetadataUpdate,
  2: partitionDelete,
  3: snapshot,
};

/** Throws SchemaError carrying the message DumpLogSegments prints after `skipping. `. */
export function formatRemoteLogMetadata(value: Uint8Array | null): string {
  if (value === null) {
    throw new SchemaError(NPE, 'Cannot invoke "java.nio.ByteBuffer.remaining()" because the return value of "org.apache.kafka.common.record.internal.Record.value()" is null');
  }
  const r = decodeApiMessageFrame(value, (apiKey) => SCHEMAS.get(apiKey));
  return FORMATTERS[r.type]!(r.data);
}
