import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.apache.kafka.server.log.remote.storage.LogSegmentData;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteStorageException;
import org.apache.kafka.server.log.remote.storage.RemoteStorageManager;

/**
 * Test tooling: the smallest tiered storage (KIP-405) a broker can run with — a RemoteStorageManager that
 * keeps each copied segment in a folder of a local directory (config `dir`, given to the broker as
 * `rsm.config.dir`). It exists so the modern corpus (scripts/modern-corpus.mjs) has a real
 * `__remote_log_metadata` topic, written by Kafka's own TopicBasedRemoteLogMetadataManager.
 */
public final class DirRemoteStorage implements RemoteStorageManager {
    private Path root;

    @Override
    public void configure(Map<String, ?> configs) {
        root = Path.of(String.valueOf(configs.get("dir")));
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path folder(RemoteLogSegmentMetadata m) {
        return root.resolve(m.topicIdPartition().toString()).resolve(m.remoteLogSegmentId().id().toString());
    }

    @Override
    public Optional<RemoteLogSegmentMetadata.CustomMetadata> copyLogSegmentData(RemoteLogSegmentMetadata m, LogSegmentData d) throws RemoteStorageException {
        try {
            Path dir = Files.createDirectories(folder(m));
            Files.copy(d.logSegment(), dir.resolve("segment"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(d.offsetIndex(), dir.resolve("offset"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(d.timeIndex(), dir.resolve("timestamp"), StandardCopyOption.REPLACE_EXISTING);
            if (d.transactionIndex().isPresent()) Files.copy(d.transactionIndex().get(), dir.resolve("transaction"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(d.producerSnapshotIndex(), dir.resolve("producer_snapshot"), StandardCopyOption.REPLACE_EXISTING);
            byte[] epochs = new byte[d.leaderEpochIndex().remaining()];
            d.leaderEpochIndex().duplicate().get(epochs);
            Files.write(dir.resolve("leader_epoch"), epochs);
            return Optional.empty();
        } catch (IOException e) {
            throw new RemoteStorageException(e);
        }
    }

    @Override
    public InputStream fetchLogSegment(RemoteLogSegmentMetadata m, int start) throws RemoteStorageException {
        return fetchLogSegment(m, start, Integer.MAX_VALUE);
    }

    @Override
    public InputStream fetchLogSegment(RemoteLogSegmentMetadata m, int start, int end) throws RemoteStorageException {
        try {
            byte[] all = Files.readAllBytes(folder(m).resolve("segment"));
            int to = (int) Math.min((long) end + 1, all.length);
            return new ByteArrayInputStream(all, start, Math.max(0, to - start));
        } catch (IOException e) {
            throw new RemoteStorageException(e);
        }
    }

    @Override
    public InputStream fetchIndex(RemoteLogSegmentMetadata m, IndexType type) throws RemoteStorageException {
        try {
            Path f = folder(m).resolve(type.name().toLowerCase());
            return Files.exists(f) ? Files.newInputStream(f) : new ByteArrayInputStream(new byte[0]);
        } catch (IOException e) {
            throw new RemoteStorageException(e);
        }
    }

    @Override
    public void deleteLogSegmentData(RemoteLogSegmentMetadata m) throws RemoteStorageException {
        try (Stream<Path> files = Files.exists(folder(m)) ? Files.walk(folder(m)) : Stream.empty()) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new RemoteStorageException(e);
        }
    }

    @Override
    public void close() {}
}
