import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.tools.DumpLogSegments;

/**
 * Test tooling: runs Kafka's own DumpLogSegments many times in one JVM (a JVM per case costs ~0.7 s).
 *
 * Reads one case per line on stdin: its arguments separated by TAB. For each, writes to stdout a
 * header line "code TAB stdoutBytes TAB stderrBytes" and then the case's stdout and stderr bytes.
 * The tool's exits (Kafka's Exit.exit, used by its option parsing, --help and --version) end the
 * case with their code; an exception escaping main is written as the JVM prints it, first line
 * only ("Exception in thread "main" " + the exception's toString()), with code 1: the form of
 * the recorded outputs in ../shared.
 *
 * The working directory is the JVM's: start one driver per directory the paths are relative to.
 */
public final class DumpDriver {
    private static final class ExitCalled extends RuntimeException {
        final int code;
        ExitCalled(int code) { super(null, null, false, false); this.code = code; }
    }

    public static void main(String[] argv) throws Exception {
        OutputStream frames = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Exit.setExitProcedure((code, message) -> { throw new ExitCalled(code); });
        String line;
        while ((line = in.readLine()) != null) {
            String[] args = line.isEmpty() ? new String[0] : line.split("\t", -1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
            System.setOut(outStream);
            System.setErr(errStream);
            int code = 0;
            try {
                DumpLogSegments.main(args);
            } catch (ExitCalled e) {
                code = e.code;
            } catch (Throwable t) {
                errStream.print("Exception in thread \"main\" " + t + "\n");
                code = 1;
            }
            outStream.flush();
            errStream.flush();
            byte[] o = out.toByteArray();
            byte[] e = err.toByteArray();
            frames.write((code + "\t" + o.length + "\t" + e.length + "\n").getBytes(StandardCharsets.US_ASCII));
            frames.write(o);
            frames.write(e);
            frames.flush();
        }
    }
}
