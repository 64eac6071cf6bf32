package dev.gantry.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the classes a child JVM loaded, by library, from its {@code -Xlog:class+load} output.
 * JDK classes are split into those mapped from the CDS archive (cheap) and the rest; lambda and
 * hidden classes count under the package of the class that defined them.
 */
public final class ClassLoadHistogram {
    public static final String JDK_CDS = "JDK, from the CDS archive";
    public static final String JDK_OTHER = "JDK, not from the CDS archive (jrt, generated)";

    // [0.012s][info][class,load] java.lang.Object source: shared objects file
    private static final Pattern LINE = Pattern.compile("\\[class,load\\s*\\]\\s+(\\S+)\\s+source:\\s*(.*)$");

    /** Roots whose classes count as one group, most specific first. The AWS SDK is split further below. */
    private static final List<String[]> ROOTS = List.of(
            new String[]{"software.amazon.lambda.powertools", "Powertools for AWS Lambda"},
            new String[]{"com.amazonaws.services.lambda.runtime", "aws-lambda-java-core/events"},
            new String[]{"org.apache.logging", "Log4j 2 (and its SLF4J binding)"},
            new String[]{"org.slf4j", "SLF4J API"},
            new String[]{"com.fasterxml.jackson", "Jackson"},
            new String[]{"dev.gantry.bench", "the bench invoker"},
            new String[]{"dev.gantry", "Gantry (shared + the function)"},
            new String[]{"org.crac", "org.crac (SnapStart hooks API)"},
            new String[]{"at.favre.lib", "bcrypt"},
            new String[]{"software.amazon.eventstream", "AWS eventstream"},
            new String[]{"org.reactivestreams", "Reactive Streams API"},
            new String[]{"io.burt.jmespath", "JMESPath (Powertools)"});

    private ClassLoadHistogram() {}

    /** Group name to number of classes, in first-seen order. */
    public static Map<String, Integer> count(List<String> logLines) {
        return countAfter(logLines, null);
    }

    /**
     * As {@link #count}, counting only the classes loaded after {@code markerClass} (not included);
     * {@code null} counts every class. A log without the marker counts nothing.
     */
    public static Map<String, Integer> countAfter(List<String> logLines, String markerClass) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        boolean counting = markerClass == null;
        for (String line : logLines) {
            Matcher m = LINE.matcher(line);
            if (!m.find()) continue;
            if (!counting) {
                counting = m.group(1).equals(markerClass);
                continue;
            }
            counts.merge(group(m.group(1), m.group(2).trim()), 1, Integer::sum);
        }
        return counts;
    }

    static String group(String className, String source) {
        if (isJdk(className)) return source.startsWith("shared objects file") ? JDK_CDS : JDK_OTHER;
        if (className.startsWith("software.amazon.awssdk.")) {
            String[] parts = className.split("\\.");
            // software.amazon.awssdk.services.dynamodb.X -> "AWS SDK: services.dynamodb"; ...awssdk.core.X -> "AWS SDK: core"
            if (parts.length > 5 && parts[3].equals("services")) return "AWS SDK: services." + parts[4];
            if (parts.length > 4) return "AWS SDK: " + parts[3];
            return "AWS SDK: (root)";
        }
        for (String[] root : ROOTS) {
            if (className.startsWith(root[0] + ".")) return root[1];
        }
        String[] parts = className.split("\\.");
        return parts.length > 2 ? parts[0] + "." + parts[1] : className;
    }

    static boolean isJdk(String className) {
        return className.startsWith("java.") || className.startsWith("javax.") || className.startsWith("jdk.")
                || className.startsWith("sun.") || className.startsWith("com.sun.");
    }
}
