import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.protocol.types.Type;

/**
 * Test tooling: prints the message schemas of the record types kseg decodes, as Kafka's own generated
 * classes define them (one JSON object per line), so test/schema-kafka.test.ts can hold kseg's schema tables
 * against the pinned Kafka version without a hand-copied list.
 *
 * Each line: {"family","type","part","name","lo","hi","versions":[{"v","flexible","fields":[...]}]}, a field
 * being {"name","type","nullable","tag"?,"default"?,"fields"?} with `type` one of Kafka's primitive names in
 * lower case ("int32", "string", "bytes", "uuid", ...), "[]"+element for arrays, "struct" for structs.
 * `default` is the value a fresh instance holds ("struct" for a struct instance); the JSON omits a tagged field
 * that equals it, and a field absent from a version reads as it.
 * Each version also carries three samples, {"hex","json"}: a fresh instance (every field at its default), one
 * with every field of that version set (nullable ones non-null, arrays of one element, tagged ones off their
 * default) and the same with every nullable field null, as the message class writes them and as its
 * JsonConverter prints them (DumpLogSegments' JSON).
 */
public final class SchemaExport {
    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder();
        coordinator(out, "group", "org.apache.kafka.coordinator.group.generated.CoordinatorRecordType");
        coordinator(out, "share", "org.apache.kafka.coordinator.share.generated.CoordinatorRecordType");
        coordinator(out, "transaction", "org.apache.kafka.coordinator.transaction.generated.CoordinatorRecordType");
        records(out, "metadata", "org.apache.kafka.common.metadata.MetadataRecordType", "newMetadataRecord");
        records(out, "remote", "org.apache.kafka.server.log.remote.metadata.storage.generated.MetadataRecordType", "newMetadataRecord");
        for (String c : List.of("LeaderChangeMessage", "SnapshotHeaderRecord", "SnapshotFooterRecord", "KRaftVersionRecord", "VotersRecord", "EndTxnMarker")) {
            message(out, "control", -1, "value", Class.forName("org.apache.kafka.common.message." + c));
        }
        System.out.print(out);
    }

    static void coordinator(StringBuilder out, String family, String enumClass) throws Exception {
        for (Object t : Class.forName(enumClass).getEnumConstants()) {
            short id = (short) t.getClass().getMethod("id").invoke(t);
            message(out, family, id, "key", ((ApiMessage) t.getClass().getMethod("newRecordKey").invoke(t)).getClass());
            message(out, family, id, "value", ((ApiMessage) t.getClass().getMethod("newRecordValue").invoke(t)).getClass());
        }
    }

    static void records(StringBuilder out, String family, String enumClass, String factory) throws Exception {
        for (Object t : Class.forName(enumClass).getEnumConstants()) {
            short id = (short) t.getClass().getMethod("id").invoke(t);
            message(out, family, id, "value", ((ApiMessage) t.getClass().getMethod(factory).invoke(t)).getClass());
        }
    }

    static void message(StringBuilder out, String family, int type, String part, Class<?> c) throws Exception {
        Schema[] schemas = (Schema[]) c.getField("SCHEMAS").get(null);
        short lo = c.getField("LOWEST_SUPPORTED_VERSION").getShort(null);
        short hi = c.getField("HIGHEST_SUPPORTED_VERSION").getShort(null);
        Map<Schema, Class<?>> owners = new IdentityHashMap<>();
        collectOwners(c, owners);
        out.append("{\"family\":").append(q(family)).append(",\"type\":").append(type).append(",\"part\":").append(q(part))
            .append(",\"name\":").append(q(c.getSimpleName())).append(",\"lo\":").append(lo).append(",\"hi\":").append(hi).append(",\"versions\":[");
        for (int v = lo; v <= hi; v++) {
            if (v > lo) out.append(',');
            Schema s = schemas[v];
            out.append("{\"v\":").append(v).append(",\"flexible\":").append(isFlexible(s)).append(",\"fields\":");
            fields(out, s, owners, c);
            out.append(",\"samples\":[");
            Message fresh = (Message) c.getDeclaredConstructor().newInstance();
            sample(out, fresh, (short) v);
            out.append(',');
            Message full = (Message) c.getDeclaredConstructor().newInstance();
            populate(full, s, false);
            sample(out, full, (short) v);
            out.append(',');
            Message nulls = (Message) c.getDeclaredConstructor().newInstance();
            populate(nulls, s, true);
            sample(out, nulls, (short) v);
            out.append("]}");
        }
        out.append("]}\n");
    }

    /** Every Schema constant of the message class and its nested struct classes, with the class holding it. */
    static void collectOwners(Class<?> c, Map<Schema, Class<?>> owners) throws Exception {
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Schema.class) {
                f.setAccessible(true);
                owners.put((Schema) f.get(null), c);
            }
        }
        for (Class<?> n : c.getDeclaredClasses()) collectOwners(n, owners);
    }

    static void sample(StringBuilder out, Message m, short v) throws Exception {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buf = ByteBuffer.allocate(m.size(cache, v));
        m.write(new ByteBufferAccessor(buf), cache, v);
        Object json = Class.forName(m.getClass().getName() + "JsonConverter").getMethod("write", m.getClass(), short.class).invoke(null, m, v);
        out.append("{\"hex\":").append(q(HexFormat.of().formatHex(buf.array()))).append(",\"json\":").append(q(json.toString())).append('}');
    }

    /** Sets every field `schema` has (tagged ones included) to a value other than its default; nullable ones to null if `nulls`. */
    static void populate(Object inst, Schema schema, boolean nulls) throws Exception {
        for (BoundField f : schema.fields()) {
            if (f.def.type instanceof TaggedFields tf) {
                for (org.apache.kafka.common.protocol.types.Field t : tf.fields().values()) set(inst, t, nulls);
            } else {
                set(inst, f.def, nulls);
            }
        }
    }

    static void set(Object inst, org.apache.kafka.common.protocol.types.Field f, boolean nulls) throws Exception {
        Field jf = javaField(inst.getClass(), f.name);
        Type t = f.type;
        if (nulls && t.isNullable()) {
            jf.set(inst, null);
        } else if (t.isArray()) {
            Type elem = t.arrayElementType().get();
            Object element;
            if (elem instanceof Schema sub) {
                Class<?> ec = elementClass(jf);
                element = ec.getDeclaredConstructor().newInstance();
                populate(element, sub, nulls);
            } else {
                element = scalar(elem, f.name, null);
            }
            @SuppressWarnings("unchecked")
            Collection<Object> coll = List.class.isAssignableFrom(jf.getType()) ? new ArrayList<>() : (Collection<Object>) jf.getType().getDeclaredConstructor().newInstance();
            coll.add(element);
            jf.set(inst, coll);
        } else if (t instanceof Schema sub) {
            Object v = jf.getType().getDeclaredConstructor().newInstance();
            populate(v, sub, nulls);
            jf.set(inst, v);
        } else {
            jf.set(inst, scalar(t, f.name, jf.get(inst)));
        }
    }

    /** The element class of a List<X> field or of a generated collection (ImplicitLinkedHashMultiCollection<X>). */
    static Class<?> elementClass(Field jf) {
        java.lang.reflect.Type g = jf.getGenericType();
        if (!(g instanceof ParameterizedType)) g = jf.getType().getGenericSuperclass();
        return (Class<?>) ((ParameterizedType) g).getActualTypeArguments()[0];
    }

    static Object scalar(Type t, String name, Object current) {
        String n = t.toString().toLowerCase();
        if (n.contains("string")) return "s-" + name;
        if (n.contains("bytes")) return new byte[] { 1, 2, (byte) 0xff };
        return switch (n) {
            case "int8" -> (byte) 7;
            case "int16" -> (short) 7;
            case "uint16" -> 65000;
            case "int32" -> 7;
            case "uint32" -> 4000000000L;
            case "int64" -> 7_000_000_000_000L;
            case "float64" -> 7.25;
            case "boolean" -> !(current instanceof Boolean b && b);
            case "uuid" -> new Uuid(0x0123456789abcdefL, 0x7edcba9876543210L);
            default -> throw new IllegalArgumentException("no sample value for " + t + " (" + name + ")");
        };
    }

    /** The generated class's field for a schema field (`kraft_version` is `kRaftVersion`: match without case). */
    static Field javaField(Class<?> c, String snake) throws NoSuchFieldException {
        String want = snake.replace("_", "");
        for (Field f : c.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) && f.getName().equalsIgnoreCase(want)) {
                f.setAccessible(true);
                return f;
            }
        }
        throw new NoSuchFieldException(c.getName() + "." + snake);
    }

    /** The class a struct schema belongs to; a nullable struct's schema is a copy, found by its text. */
    static Class<?> owner(Schema s, Map<Schema, Class<?>> owners, Class<?> root) {
        Class<?> c = owners.get(s);
        if (c != null) return c;
        for (Map.Entry<Schema, Class<?>> e : owners.entrySet()) if (e.getKey().toString().equals(s.toString())) return e.getValue();
        return root;
    }

    static boolean isFlexible(Schema s) {
        for (BoundField f : s.fields()) if (f.def.type instanceof TaggedFields) return true;
        return false;
    }

    static void fields(StringBuilder out, Schema s, Map<Schema, Class<?>> owners, Class<?> root) throws Exception {
        out.append('[');
        boolean first = true;
        for (BoundField f : s.fields()) {
            if (f.def.type instanceof TaggedFields tf) {
                for (Map.Entry<Integer, org.apache.kafka.common.protocol.types.Field> e : tf.fields().entrySet()) {
                    if (!first) out.append(',');
                    first = false;
                    field(out, e.getValue(), e.getKey(), s, owners, root);
                }
            } else {
                if (!first) out.append(',');
                first = false;
                field(out, f.def, -1, s, owners, root);
            }
        }
        out.append(']');
    }

    static void field(StringBuilder out, org.apache.kafka.common.protocol.types.Field f, int tag, Schema in, Map<Schema, Class<?>> owners, Class<?> root) throws Exception {
        out.append("{\"name\":").append(q(f.name)).append(",\"type\":").append(q(typeName(f.type))).append(",\"nullable\":").append(f.type.isNullable());
        if (tag >= 0) out.append(",\"tag\":").append(tag);
        Object d = defaultOf(owner(in, owners, root), f.name, f.type);
        if (d != null) out.append(",\"default\":").append(q(String.valueOf(d)));
        Type t = f.type.arrayElementType().orElse(f.type);
        if (t instanceof Schema sub) {
            out.append(",\"fields\":");
            fields(out, sub, owners, root);
        }
        out.append('}');
    }

    static String typeName(Type t) {
        if (t.isArray()) return "[]" + typeName(t.arrayElementType().get());
        if (t instanceof Schema) return "struct";
        String n = t.toString().toLowerCase();
        return switch (n) {
            case "compact_string", "nullable_string", "compact_nullable_string" -> "string";
            case "compact_bytes", "nullable_bytes", "compact_nullable_bytes" -> "bytes";
            case "compact_records", "records" -> "records";
            case "boolean" -> "bool";
            default -> n;
        };
    }

    /** The field's value in a fresh instance of its class; "struct" for a struct instance, "[]" for an empty array. */
    static Object defaultOf(Class<?> owner, String snake, Type type) {
        try {
            Object inst = owner.getDeclaredConstructor().newInstance();
            Object v = javaField(owner, snake).get(inst);
            if (v == null) return "null";
            if (v instanceof Collection<?> l) return l.isEmpty() ? "[]" : l.toString();
            if (type instanceof Schema) return "struct";
            if (v instanceof byte[] b) return "bytes[" + b.length + "]";
            return v;
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') b.append('\\').append(ch);
            else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
            else b.append(ch);
        }
        return b.append('"').toString();
    }
}
