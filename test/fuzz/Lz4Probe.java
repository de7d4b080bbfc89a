import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * Test tooling: lz4-java's safe decompressor, the one Kafka's LZ4 stream uses (JNI where the native
 * library loads), on blocks read from stdin, one per line: "hex capacity". Prints per block
 * "ok <length> <crc32 of the output>" or "err <LZ4Exception message>".
 */
public final class Lz4Probe {
    public static void main(String[] args) throws Exception {
        var factory = net.jpountz.lz4.LZ4Factory.fastestInstance();
        var decompressor = factory.safeDecompressor();
        System.err.println(factory);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        StringBuilder out = new StringBuilder();
        while ((line = in.readLine()) != null) {
            String[] parts = line.split(" ");
            byte[] src = HexFormat.of().parseHex(parts[0]);
            byte[] dst = new byte[Integer.parseInt(parts[1])];
            try {
                int n = decompressor.decompress(src, 0, src.length, dst, 0, dst.length);
                CRC32 crc = new CRC32();
                crc.update(dst, 0, n);
                out.append("ok ").append(n).append(' ').append(crc.getValue()).append('\n');
            } catch (net.jpountz.lz4.LZ4Exception e) {
                out.append("err ").append(e.getMessage()).append('\n');
            }
        }
        System.out.print(out);
    }
}
