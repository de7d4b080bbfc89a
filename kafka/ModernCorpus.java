import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * Test tooling: the client side of the modern corpus (scripts/modern-corpus.mjs starts the Kafka 4.3 broker,
 * runs this with Java's source launcher on Kafka's classpath, then copies the log dir). Everything Kafka 4.x
 * writes that older corpora lack, through Kafka's own Java clients: every codec, idempotent producers with an
 * epoch bump, transactions (transaction.version 2), classic and KIP-848 consumer groups, a share group and its
 * state topic, a streams group (KIP-1071), compaction until batches carry a delete horizon, and many
 * __cluster_metadata record types.
 *
 * Args: BOOTSTRAP LOG_DIR BROKER_PID SEED STATE_DIR REMOTE_DIR (the tiered storage's folder, see
 * kafka/DirRemoteStorage.java). Record contents come from SEED; batching and timestamps come from the clock.
 * Prints one line per step ("step NAME ms DETAILS"); any failure ends it with exit 1.
 */
public final class ModernCorpus {
    static String bootstrap;
    static Path logDir;
    static long brokerPid;
    static long seed;
    static Path stateDir;
    static Path remoteDir;

    public static void main(String[] args) throws Exception {
        bootstrap = args[0];
        logDir = Path.of(args[1]);
        brokerPid = Long.parseLong(args[2]);
        seed = Long.parseLong(args[3]);
        stateDir = Path.of(args[4]);
        remoteDir = Path.of(args[5]);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            step("features", () -> features(admin));
            step("topics", () -> topics(admin));
            step("codecs", ModernCorpus::codecs);
            step("idempotent-epoch-bump", ModernCorpus::idempotentEpochBump);
            step("transactions", () -> transactions(admin));
            step("compaction", ModernCorpus::compaction);
            step("classic-group", () -> consumerGroup("classic", "classic-app", null));
            step("consumer-group", () -> consumerGroup("consumer", "modern-app", "modern-static-1"));
            step("regex-group", ModernCorpus::regexGroup);
            step("group-admin", () -> groupAdmin(admin));
            step("share-group", () -> shareGroup(admin));
            step("streams-group", () -> streamsGroup(admin));
            step("metadata", () -> metadata(admin));
            step("tiered-storage", () -> tieredStorage(admin));
            step("cleaned", ModernCorpus::awaitCleaning);
        }
        System.out.println("done");
    }

    interface Step { String run() throws Exception; }

    static void step(String name, Step s) throws Exception {
        long t0 = System.nanoTime();
        String detail = s.run();
        System.out.println("step " + name + " " + (System.nanoTime() - t0) / 1_000_000 + " " + (detail == null ? "" : detail));
        System.out.flush();
    }

    /** The features the corpus depends on, as the broker reports them in effect. */
    static String features(Admin admin) throws Exception {
        FeatureMetadata fm = admin.describeFeatures().featureMetadata().get();
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("metadata.version", "transaction.version", "group.version", "share.version", "streams.version")) {
            FinalizedVersionRange r = fm.finalizedFeatures().get(f);
            sb.append(f).append('=').append(r == null ? "none" : String.valueOf(r.maxVersionLevel())).append(' ');
        }
        FinalizedVersionRange tv = fm.finalizedFeatures().get("transaction.version");
        if (tv == null || tv.maxVersionLevel() < 2) throw new IllegalStateException("transaction.version 2 is not in effect: " + sb);
        return sb.toString().trim();
    }

    static NewTopic topic(String name, int partitions, Map<String, String> configs) {
        Map<String, String> c = new HashMap<>(configs);
        c.putIfAbsent("retention.ms", "-1");
        return new NewTopic(name, partitions, (short) 1).configs(c);
    }

    static final List<String> CODECS = List.of("none", "gzip", "snappy", "lz4", "zstd");
    /** Small segments (a test-only topic config: Kafka 4.x's lower bound for segment.bytes is 1 MiB), dense indexes. */
    static final Map<String, String> SMALL = Map.of("internal.segment.bytes", "131072", "index.interval.bytes", "1024");

    static String topics(Admin admin) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String c : CODECS) topics.add(topic("codec-" + c, 1, SMALL));
        topics.add(topic("logappend", 1, Map.of("message.timestamp.type", "LogAppendTime")));
        topics.add(topic("recompress", 1, Map.of("compression.type", "zstd", "compression.zstd.level", "10")));
        topics.add(topic("idempotent", 1, Map.of()));
        topics.add(topic("txn", 2, Map.of("internal.segment.bytes", "16384")));
        Map<String, String> compact = Map.of("cleanup.policy", "compact", "internal.segment.bytes", "16384",
            "min.cleanable.dirty.ratio", "0.01", "min.compaction.lag.ms", "0", "delete.retention.ms", "86400000",
            "segment.ms", "3600000");
        topics.add(topic("compacted", 1, compact));
        topics.add(topic("compacted-txn", 1, compact));
        topics.add(topic("groups", 3, Map.of()));
        topics.add(topic("shared", 2, Map.of()));
        topics.add(topic("streams-in", 2, Map.of()));
        topics.add(topic("streams-out", 2, Map.of()));
        topics.add(topic("doomed", 2, Map.of()));
        Map<String, String> tiered = Map.of("remote.storage.enable", "true", "internal.segment.bytes", "16384", "local.retention.ms", "-2");
        topics.add(topic("tiered", 1, tiered));
        topics.add(topic("tiered-doomed", 1, tiered));
        admin.createTopics(topics).all().get();
        return topics.size() + " topics";
    }

    static final String[] WORDS = { "kafka", "segment", "日志", "données", "😀", "naïve", "Ünïcödé", "ключ", "बाइट", "\t", "\n" };

    /** A record's value, varied the way real payloads vary; never null (tombstones are chosen by the caller). */
    static byte[] value(Random r, int i) {
        switch (i % 6) {
            case 0: return ("{\"id\":" + i + ",\"user\":\"用户-" + i + "\",\"ok\":" + (i % 4 == 0) + ",\"score\":" + r.nextInt(1000) + "}").getBytes(StandardCharsets.UTF_8);
            case 1: {
                StringBuilder sb = new StringBuilder();
                for (int w = 1 + r.nextInt(30); w > 0; w--) sb.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
                return sb.toString().getBytes(StandardCharsets.UTF_8);
            }
            case 2: { byte[] b = new byte[r.nextInt(300)]; r.nextBytes(b); return b; }
            case 3: return new byte[0];
            case 4: return ("line " + i + "\nrepeated text repeated text repeated text " + "x".repeat(r.nextInt(200))).getBytes(StandardCharsets.UTF_8);
            default: return String.valueOf(r.nextLong()).getBytes(StandardCharsets.UTF_8);
        }
    }

    static byte[] key(int i) {
        return i % 10 == 7 ? null : ("key-" + (i % 97)).getBytes(StandardCharsets.UTF_8);
    }

    static ProducerRecord<byte[], byte[]> record(String topic, Integer partition, Random r, int i, byte[] key, byte[] value) {
        RecordHeaders h = new RecordHeaders();
        if (i % 3 == 0) {
            h.add("trace-id", Long.toHexString(r.nextLong()).getBytes(StandardCharsets.UTF_8));
            h.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        }
        if (i % 11 == 0) h.add("nullable", null);
        return new ProducerRecord<>(topic, partition, null, key, value, h);
    }

    /** A client's settings: the broker's address and byte-array (de)serializers, then `keyValues` in pairs. */
    static Properties clientProps(boolean producer, String... keyValues) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        String[] serdes = producer ? new String[] { "key.serializer", "value.serializer" } : new String[] { "key.deserializer", "value.deserializer" };
        for (String s : serdes) p.put(s, (producer ? ByteArraySerializer.class : ByteArrayDeserializer.class).getName());
        for (int i = 0; i < keyValues.length; i += 2) if (keyValues[i + 1] != null) p.put(keyValues[i], keyValues[i + 1]);
        return p;
    }

    static Properties producerProps(String clientId, Map<String, String> extra) {
        Properties p = clientProps(true, "client.id", clientId, "linger.ms", "5", "batch.size", "16384");
        p.putAll(extra);
        return p;
    }

    static String codecs() throws Exception {
        int sent = 0;
        for (String c : CODECS) {
            Random r = new Random(seed ^ c.hashCode());
            // the uncompressed topic from a producer that is not idempotent (producerId -1), the others idempotent
            Map<String, String> extra = c.equals("none") ? Map.of("enable.idempotence", "false", "acks", "1") : Map.of("compression.type", c);
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps("codec-" + c, extra))) {
                for (int i = 0; i < 1500; i++, sent++) p.send(record("codec-" + c, 0, r, i, key(i), value(r, i)));
                p.flush();
            }
        }
        Random r = new Random(seed + 1);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps("logappend", Map.of("compression.type", "lz4")))) {
            for (int i = 0; i < 300; i++, sent++) p.send(record("logappend", 0, r, i, key(i), value(r, i)));
        }
        // the broker recompresses the producer's gzip batches with the topic's zstd
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps("recompress", Map.of("compression.type", "gzip", "compression.gzip.level", "1")))) {
            for (int i = 0; i < 300; i++, sent++) p.send(record("recompress", 0, r, i, key(i), value(r, i)));
        }
        return sent + " records";
    }

    static void signalBroker(String signal) throws Exception {
        int code = new ProcessBuilder("kill", "-" + signal, String.valueOf(brokerPid)).inheritIO().start().waitFor();
        if (code != 0) throw new IllegalStateException("kill -" + signal + " " + brokerPid + " exited " + code);
    }

    /**
     * An idempotent producer's epoch bump (KIP-360): a batch that times out in flight leaves its sequence
     * unknown, so the producer bumps its epoch and restarts its sequences at 0. The broker is paused
     * (SIGSTOP) for longer than the delivery timeout while one batch is in flight.
     */
    static String idempotentEpochBump() throws Exception {
        Random r = new Random(seed + 2);
        Map<String, String> extra = Map.of("enable.idempotence", "true", "acks", "all", "linger.ms", "0",
            "request.timeout.ms", "1500", "delivery.timeout.ms", "2000", "compression.type", "zstd");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps("idempotent", extra))) {
            for (int i = 0; i < 200; i++) p.send(record("idempotent", 0, r, i, key(i), value(r, i)));
            p.flush();
            signalBroker("STOP");
            Future<RecordMetadata> lost;
            try {
                lost = p.send(record("idempotent", 0, r, 200, key(200), value(r, 200)));
                Thread.sleep(3500);
            } finally {
                signalBroker("CONT");
            }
            String outcome;
            try {
                lost.get();
                outcome = "acked";
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TimeoutException)) throw e;
                outcome = "timed out";
            }
            for (int i = 201; i < 400; i++) p.send(record("idempotent", 0, r, i, key(i), value(r, i)));
            p.flush();
            return "paused batch " + outcome;
        }
    }

    /**
     * Transactions under transaction.version 2 (KIP-890: the epoch is bumped at every commit and abort):
     * commits and aborts over two topics, offsets committed in transactions, a producer restarted with the
     * same transactional.id, one fenced through the admin API, and one left open until the coordinator
     * aborts it on timeout.
     */
    @SuppressWarnings("removal") // ConsumerGroupMetadata(String): the offsets of a group without members, as intended
    static String transactions(Admin admin) throws Exception {
        Random r = new Random(seed + 3);
        int commits = 0, aborts = 0;
        Map<String, String> txn = Map.of("transactional.id", "txn-a", "compression.type", "lz4");
        for (int round = 0; round < 2; round++) {
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps("txn-a-" + round, txn))) {
                p.initTransactions();
                for (int t = 0; t < 25; t++) {
                    p.beginTransaction();
                    int n = 1 + r.nextInt(20);
                    for (int i = 0; i < n; i++) {
                        int k = r.nextInt(40);
                        p.send(record("txn", i % 2, r, i, ("txn-key-" + k).getBytes(StandardCharsets.UTF_8), value(r, i)));
                        p.send(record("compacted-txn", 0, r, i, ("k" + k).getBytes(StandardCharsets.UTF_8), i % 9 == 4 ? null : value(r, i)));
                    }
                    if (t % 4 == 1) {
                        p.sendOffsetsToTransaction(Map.of(new TopicPartition("groups", t % 3), new OffsetAndMetadata(t, "txn " + t)),
                            new ConsumerGroupMetadata("txn-offsets"));
                    }
                    if (r.nextInt(3) == 0) { p.abortTransaction(); aborts++; } else { p.commitTransaction(); commits++; }
                }
            }
        }
        // fenced through the admin API while idle: the coordinator bumps txn-a's epoch
        admin.fenceProducers(List.of("txn-a")).all().get();
        // left open: the coordinator aborts it once transaction.timeout.ms has passed
        KafkaProducer<byte[], byte[]> open = new KafkaProducer<>(producerProps("txn-open",
            Map.of("transactional.id", "txn-open", "transaction.timeout.ms", "2000")));
        open.initTransactions();
        open.beginTransaction();
        for (int i = 0; i < 5; i++) open.send(record("txn", 0, r, i, key(i), value(r, i)));
        open.flush();
        open.close(Duration.ZERO);
        waitFor("the coordinator to abort txn-open", 60_000, () -> {
            try {
                return admin.describeTransactions(List.of("txn-open")).all().get().get("txn-open").state() == TransactionState.COMPLETE_ABORT;
            } catch (Exception e) {
                return false;
            }
        });
        return commits + " committed, " + aborts + " aborted, txn-open aborted by the coordinator";
    }

    /** Keys updated and deleted over many small segments; awaitCleaning waits for the cleaner. */
    static String compaction() throws Exception {
        Random r = new Random(seed + 4);
        int tombstones = 0;
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps("compacted", Map.of("linger.ms", "2")))) {
            for (int i = 0; i < 3000; i++) {
                int k = r.nextInt(400);
                boolean tomb = r.nextInt(8) == 0;
                if (tomb) tombstones++;
                p.send(record("compacted", 0, r, i, ("key-" + k).getBytes(StandardCharsets.UTF_8), tomb ? null : value(r, i)));
                if (i % 100 == 99) p.flush();
            }
        }
        return "3000 records, " + tombstones + " tombstones";
    }

    static Map<String, Long> cleanerCheckpoint() throws Exception {
        Map<String, Long> m = new HashMap<>();
        Path f = logDir.resolve("cleaner-offset-checkpoint");
        if (!Files.exists(f)) return m;
        List<String> lines = Files.readAllLines(f);
        for (String l : lines.subList(Math.min(2, lines.size()), lines.size())) {
            String[] p = l.trim().split(" ");
            if (p.length == 3) m.put(p[0] + "-" + p[1], Long.parseLong(p[2]));
        }
        return m;
    }

    /** Until the cleaner has cleaned both compacted topics (it sets delete horizons on what it keeps). */
    static String awaitCleaning() throws Exception {
        waitFor("the log cleaner", 120_000, () -> {
            try {
                Map<String, Long> c = cleanerCheckpoint();
                return c.getOrDefault("compacted-0", 0L) > 0 && c.getOrDefault("compacted-txn-0", 0L) > 0;
            } catch (Exception e) {
                return false;
            }
        });
        return cleanerCheckpoint().toString();
    }

    static void fill(String topic, int partitions, int count, long salt) throws Exception {
        Random r = new Random(seed + salt);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps("fill-" + topic, Map.of()))) {
            for (int i = 0; i < count; i++) p.send(record(topic, i % partitions, r, i, key(i), value(r, i)));
        }
    }

    static Properties consumerProps(String protocol, String group, String instanceId) {
        return clientProps(false, "group.id", group, "group.protocol", protocol, "auto.offset.reset", "earliest",
            "enable.auto.commit", "false", "group.instance.id", instanceId);
    }

    /** Two members polled in turn until they have read `groups`, committing with metadata as they go. */
    static String consumerGroup(String protocol, String group, String staticId) throws Exception {
        if (protocol.equals("classic")) fill("groups", 3, 600, 5);
        List<KafkaConsumer<byte[], byte[]>> members = List.of(
            new KafkaConsumer<>(consumerProps(protocol, group, staticId)),
            new KafkaConsumer<>(consumerProps(protocol, group, null)));
        int read = 0;
        try {
            for (KafkaConsumer<byte[], byte[]> m : members) m.subscribe(List.of("groups"));
            long deadline = System.currentTimeMillis() + 60_000;
            while (read < 600) {
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException(group + " read " + read + " of 600");
                for (KafkaConsumer<byte[], byte[]> m : members) {
                    var recs = m.poll(Duration.ofMillis(200));
                    read += recs.count();
                    if (recs.count() > 0) {
                        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                        for (TopicPartition tp : recs.partitions()) {
                            List<ConsumerRecord<byte[], byte[]>> l = recs.records(tp);
                            offsets.put(tp, new OffsetAndMetadata(l.get(l.size() - 1).offset() + 1, group + " at " + read));
                        }
                        m.commitSync(offsets);
                    }
                }
            }
        } finally {
            for (KafkaConsumer<byte[], byte[]> m : members) m.close();
        }
        return read + " records read";
    }

    /** A KIP-848 member subscribed by a regular expression (resolved by the broker: record type 16). */
    static String regexGroup() throws Exception {
        int read = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps("consumer", "regex-app", null))) {
            c.subscribe(new SubscriptionPattern("codec-(gzip|lz4)"));
            long deadline = System.currentTimeMillis() + 60_000;
            while (read < 3000 && System.currentTimeMillis() < deadline) {
                read += c.poll(Duration.ofMillis(200)).count();
                c.commitSync();
            }
        }
        if (read < 3000) throw new IllegalStateException("regex-app read " + read + " of 3000");
        return read + " records read";
    }

    /** Offsets set, deleted and a whole group deleted through the admin API (tombstones in __consumer_offsets). */
    static String groupAdmin(Admin admin) throws Exception {
        admin.alterConsumerGroupOffsets("admin-set", Map.of(new TopicPartition("groups", 0), new OffsetAndMetadata(42, "set by admin"),
            new TopicPartition("groups", 1), new OffsetAndMetadata(7))).all().get();
        admin.deleteConsumerGroupOffsets("classic-app", Set.of(new TopicPartition("groups", 2))).all().get();
        admin.deleteConsumerGroups(List.of("regex-app")).all().get();
        return "admin-set committed, classic-app groups-2 deleted, regex-app deleted";
    }

    static Properties shareProps(String group, String ackMode) {
        return clientProps(false, "group.id", group, "share.acknowledgement.mode", ackMode);
    }

    /**
     * A share group (KIP-932) reading `shared` with two members: one acknowledging implicitly, one explicitly
     * (accepting most, releasing some for redelivery, rejecting some); then its offsets reset through the
     * admin API, and a second group deleted. The share coordinator keeps their state in __share_group_state.
     */
    static String shareGroup(Admin admin) throws Exception {
        fill("shared", 2, 400, 6);
        for (String g : List.of("share-app", "share-gone")) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, g),
                List.of(new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET)))).all().get();
        }
        int accepted = 0, released = 0, rejected = 0, implicit = 0;
        try (KafkaShareConsumer<byte[], byte[]> a = new KafkaShareConsumer<>(shareProps("share-app", "implicit"));
             KafkaShareConsumer<byte[], byte[]> b = new KafkaShareConsumer<>(shareProps("share-app", "explicit"))) {
            a.subscribe(List.of("shared"));
            b.subscribe(List.of("shared"));
            long deadline = System.currentTimeMillis() + 90_000;
            while (accepted + rejected + implicit < 400) {
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException("share-app: " + (accepted + rejected + implicit) + " of 400");
                implicit += a.poll(Duration.ofMillis(200)).count();
                a.commitSync();
                for (ConsumerRecord<byte[], byte[]> rec : b.poll(Duration.ofMillis(200))) {
                    long o = rec.offset();
                    if (o % 17 == 3 && rec.deliveryCount().orElse((short) 1) < 2) { b.acknowledge(rec, AcknowledgeType.RELEASE); released++; }
                    else if (o % 23 == 5) { b.acknowledge(rec, AcknowledgeType.REJECT); rejected++; }
                    else { b.acknowledge(rec, AcknowledgeType.ACCEPT); accepted++; }
                }
                b.commitSync();
            }
        }
        try (KafkaShareConsumer<byte[], byte[]> g = new KafkaShareConsumer<>(shareProps("share-gone", "implicit"))) {
            g.subscribe(List.of("shared"));
            long deadline = System.currentTimeMillis() + 30_000;
            int n = 0;
            while (n == 0 && System.currentTimeMillis() < deadline) { n += g.poll(Duration.ofMillis(200)).count(); g.commitSync(); }
        }
        admin.alterShareGroupOffsets("share-app", Map.of(new TopicPartition("shared", 0), 10L)).all().get();
        admin.deleteShareGroups(List.of("share-gone")).all().get();
        return implicit + " implicit, " + accepted + " accepted, " + released + " released, " + rejected + " rejected";
    }

    /**
     * A Kafka Streams application on the streams rebalance protocol (KIP-1071, group.protocol=streams), exactly
     * once (v2): a re-keyed count, so the group has a repartition topic and an in-memory store's changelog.
     */
    static String streamsGroup(Admin admin) throws Exception {
        fill("streams-in", 2, 500, 7);
        StreamsBuilder b = new StreamsBuilder();
        b.stream("streams-in", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
            .selectKey((k, v) -> v.length == 0 ? "empty" : String.valueOf(v[0] & 0x0f))
            .groupByKey(Grouped.with(Serdes.String(), Serdes.ByteArray()))
            .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("counts")).withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
            .toStream()
            .to("streams-out", Produced.with(Serdes.String(), Serdes.Long()));
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "modern-streams");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        TopicPartition in0 = new TopicPartition("streams-in", 0), in1 = new TopicPartition("streams-in", 1);
        try (KafkaStreams streams = new KafkaStreams(b.build(), p)) {
            streams.start();
            waitFor("the streams group to commit streams-in", 120_000, () -> {
                try {
                    var off = admin.listConsumerGroupOffsets("modern-streams").partitionsToOffsetAndMetadata().get();
                    var ends = admin.listOffsets(Map.of(in0, OffsetSpec.latest(), in1, OffsetSpec.latest())).all().get();
                    return off.containsKey(in0) && off.containsKey(in1)
                        && off.get(in0).offset() >= ends.get(in0).offset() && off.get(in1).offset() >= ends.get(in1).offset();
                } catch (Exception e) {
                    return false;
                }
            });
            streams.close(Duration.ofSeconds(30));
        }
        return "500 records counted";
    }

    /** __cluster_metadata's record types: configs of every resource type, quotas, SCRAM, ACLs, partitions, deletions. */
    static String metadata(Admin admin) throws Exception {
        var set = AlterConfigOp.OpType.SET;
        admin.incrementalAlterConfigs(Map.of(
            new ConfigResource(ConfigResource.Type.TOPIC, "codec-none"), List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "2000000"), set)),
            new ConfigResource(ConfigResource.Type.BROKER, "1"), List.of(new AlterConfigOp(new ConfigEntry("log.cleaner.io.buffer.load.factor", "0.8"), set)),
            new ConfigResource(ConfigResource.Type.BROKER, ""), List.of(new AlterConfigOp(new ConfigEntry("log.retention.bytes", "1099511627776"), set)),
            new ConfigResource(ConfigResource.Type.CLIENT_METRICS, "modern-metrics"), List.of(
                new AlterConfigOp(new ConfigEntry("metrics", "org.apache.kafka.producer."), set),
                new AlterConfigOp(new ConfigEntry("interval.ms", "60000"), set)))).all().get();
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "codec-none"),
            List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE)))).all().get();
        admin.alterClientQuotas(List.of(
            new ClientQuotaAlteration(new ClientQuotaEntity(Map.of("user", "alice")), List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1048576.0))),
            new ClientQuotaAlteration(new ClientQuotaEntity(Map.of("user", "alice", "client-id", "app-1")), List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", 2097152.0))),
            new ClientQuotaAlteration(new ClientQuotaEntity(Map.of("ip", "127.0.0.2")), List.of(new ClientQuotaAlteration.Op("connection_creation_rate", 10.0))),
            new ClientQuotaAlteration(new ClientQuotaEntity(new HashMap<>(java.util.Collections.singletonMap("client-id", null))),
                List.of(new ClientQuotaAlteration.Op("request_percentage", 50.0))))).all().get();
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(new ClientQuotaEntity(Map.of("ip", "127.0.0.2")),
            List.of(new ClientQuotaAlteration.Op("connection_creation_rate", null))))).all().get();
        byte[] salt = new byte[16];
        new Random(seed + 8).nextBytes(salt);
        admin.alterUserScramCredentials(List.of(
            new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "alice-secret".getBytes(StandardCharsets.UTF_8), salt),
            new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "bob-secret".getBytes(StandardCharsets.UTF_8), salt))).all().get();
        admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("bob", ScramMechanism.SCRAM_SHA_512))).all().get();
        AclBinding read = new AclBinding(new ResourcePattern(ResourceType.TOPIC, "acl-topic", PatternType.LITERAL),
            new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));
        AclBinding groups = new AclBinding(new ResourcePattern(ResourceType.GROUP, "acl-", PatternType.PREFIXED),
            new AccessControlEntry("User:alice", "127.0.0.1", AclOperation.DESCRIBE, AclPermissionType.ALLOW));
        AclBinding deny = new AclBinding(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, "acl-txn", PatternType.LITERAL),
            new AccessControlEntry("User:mallory", "*", AclOperation.WRITE, AclPermissionType.DENY));
        admin.createAcls(List.of(read, groups, deny)).all().get();
        admin.deleteAcls(List.of(new AclBindingFilter(new ResourcePatternFilter(ResourceType.TRANSACTIONAL_ID, "acl-txn", PatternType.LITERAL),
            AccessControlEntryFilter.ANY))).all().get();
        admin.createPartitions(Map.of("groups", NewPartitions.increaseTo(4))).all().get();
        fill("doomed", 2, 50, 9);
        admin.deleteTopics(List.of("doomed")).all().get();
        return "configs, quotas, scram, acls, partitions, a deleted topic";
    }

    /** Segment folders the tiered storage holds for a partition ("<topicId>:<topic>-<partition>"). */
    static int remoteSegments(String partition) {
        try (var dirs = Files.exists(remoteDir) ? Files.list(remoteDir) : java.util.stream.Stream.<Path>empty()) {
            int n = 0;
            for (Path d : dirs.toList()) {
                if (!d.getFileName().toString().endsWith(":" + partition)) continue;
                try (var segs = Files.list(d)) { n += (int) segs.filter(Files::isDirectory).count(); }
            }
            return n;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /**
     * Tiered storage (KIP-405): two topics whose closed segments the broker copies to kafka/DirRemoteStorage.java,
     * then one of them deleted. Kafka's TopicBasedRemoteLogMetadataManager records each step (copy started and
     * finished, segment and partition deletion) in __remote_log_metadata.
     */
    static String tieredStorage(Admin admin) throws Exception {
        fill("tiered", 1, 600, 10);
        fill("tiered-doomed", 1, 300, 11);
        waitFor("segments copied to tiered storage", 120_000, () -> remoteSegments("tiered-0") >= 3 && remoteSegments("tiered-doomed-0") >= 2);
        int copied = remoteSegments("tiered-0") + remoteSegments("tiered-doomed-0");
        admin.deleteTopics(List.of("tiered-doomed")).all().get();
        waitFor("tiered-doomed's remote segments deleted", 120_000, () -> remoteSegments("tiered-doomed-0") == 0);
        return copied + " segments copied, tiered-doomed deleted";
    }

    static void waitFor(String what, long ms, BooleanSupplier done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out waiting for " + what);
            Thread.sleep(250);
        }
    }
}
