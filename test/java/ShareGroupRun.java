import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes real share-group state (KIP-932) on a broker: a topic, `records` records, and a share
 * group (from the earliest offset) that accepts some records and releases one, committing as it
 * goes, so the share coordinator writes ShareSnapshot and ShareUpdate records to
 * __share_group_state. Arguments: bootstrap servers, topic, group, records. Prints "consumed N".
 */
public class ShareGroupRun {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], topic = args[1], group = args[2];
    int records = Integer.parseInt(args[3]);
    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(common)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
      ConfigResource g = new ConfigResource(ConfigResource.Type.GROUP, group);
      admin.incrementalAlterConfigs(Map.of(g, List.of(new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET)))).all().get();
    }
    Properties p = new Properties();
    p.putAll(common);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < records; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
    }
    Properties c = new Properties();
    c.putAll(common);
    c.put("group.id", group);
    c.put("share.acknowledgement.mode", "explicit");
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    int got = 0;
    boolean released = false;
    try (KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      while (got < records && System.currentTimeMillis() < deadline) {
        ConsumerRecords<String, String> rs = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<String, String> r : rs) {
          // One record released once (redelivered later): its delivery count shows in the state.
          if (!released) {
            consumer.acknowledge(r, AcknowledgeType.RELEASE);
            released = true;
          } else {
            consumer.acknowledge(r, AcknowledgeType.ACCEPT);
            got++;
          }
        }
        if (!rs.isEmpty()) consumer.commitSync();
      }
    }
    System.out.println("consumed " + got);
  }
}
