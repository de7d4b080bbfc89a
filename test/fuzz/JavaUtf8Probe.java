import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.BufferedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Test tooling: what Kafka's tools print for a key or value, `new String(bytes, UTF_8)` written out as
 * UTF-8, for inputs read from stdin, one hex line each; prints one hex line per input.
 */
public final class JavaUtf8Probe {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII), 1 << 16);
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, "US-ASCII");
        HexFormat hex = HexFormat.of();
        String line;
        while ((line = in.readLine()) != null) {
            byte[] bytes = hex.parseHex(line);
            out.println(hex.formatHex(new String(bytes, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8)));
        }
        out.flush();
    }
}
