/**
 * Where Kafka's DumpLogSegments dies with an uncaught exception, the JVM prints
 * `Exception in thread "main" <class>: <message>` on stderr and exits 1. The dump layer throws
 * this to reproduce that first line exactly; the CLI prints it (without stack lines).
 */
export class JavaException extends Error {
  constructor(
    /** Fully-qualified Java class name, e.g. `java.util.NoSuchElementException`. */
    readonly javaClass: string,
    /** The Java message, or null for exceptions created without one (then only the class is printed). */
    readonly javaMessage: string | null,
  ) {
    super(javaMessage === null ? javaClass : `${javaClass}: ${javaMessage}`);
    this.name = 'JavaException';
  }

  /** The line the JVM's default handler prints first. */
  get firstLine(): string {
    return `Exception in thread "main" ${this.message}`;
  }
}
