import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Bench tooling (scripts/bench.mjs): sends the records of a file to a new single-partition topic
 * with Kafka's own Java producer, so that the bench's segments of ~400 B and multi-MB records are
 * batches a real broker wrote.
 *
 *   java BenchProducer.java BOOTSTRAP TOPIC RECORDS_FILE [topic.NAME=VALUE | NAME=VALUE]...
 *
 * `topic.`-prefixed settings are the topic's configs, the others the producer's. The file holds
 * records one after another, each: key, value (int32 length, -1 for null, then the bytes), int32
 * header count, then per header its key (int32 length + UTF-8) and value (as key and value).
 * Prints "sent N records" once every send is acknowledged.
 */
public final class BenchProducer {
    private static byte[] bytes(DataInputStream in) throws Exception {
        int n = in.readInt();
        if (n < 0) return null;
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    public static void main(String[] argv) throws Exception {
        String bootstrap = argv[0];
        String topic = argv[1];
        String file = argv[2];
        Map<String, String> topicConfigs = new HashMap<>();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        for (int i = 3; i < argv.length; i++) {
            int eq = argv[i].indexOf('=');
            String name = argv[i].substring(0, eq);
            String value = argv[i].substring(eq + 1);
            if (name.startsWith("topic.")) topicConfigs.put(name.substring("topic.".length()), value);
            else props.put(name, value);
        }
        Properties adminProps = new Properties();
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(adminProps)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(topicConfigs))).all().get();
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props);
             DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(file), 1 << 20))) {
            for (;;) {
                byte[] key;
                try {
                    key = bytes(in);
                } catch (EOFException end) {
                    break;
                }
                byte[] value = bytes(in);
                int headerCount = in.readInt();
                List<Header> headers = new ArrayList<>(headerCount);
                for (int h = 0; h < headerCount; h++) {
                    String name = new String(bytes(in), java.nio.charset.StandardCharsets.UTF_8);
                    headers.add(new RecordHeader(name, bytes(in)));
                }
                acks.add(producer.send(new ProducerRecord<>(topic, 0, null, key, value, headers)));
            }
            producer.flush();
            for (Future<RecordMetadata> ack : acks) ack.get();
        }
        System.out.println("sent " + acks.size() + " records");
    }
}
