package dev.gantry.shared.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A path like {@code /v1/members/{user_id}}: literal segments and named single-segment parameters. */
public record PathTemplate(String template, List<String> segments) {
    public static PathTemplate of(String template) {
        if (!template.startsWith("/")) throw new IllegalArgumentException("path must start with /: " + template);
        List<String> segments = template.equals("/") ? List.of() : List.of(template.substring(1).split("/", -1));
        return new PathTemplate(template, segments);
    }

    /** The parameters when {@code path} matches, else null. */
    public Map<String, String> match(List<String> pathSegments) {
        if (pathSegments.size() != segments.size()) return null;
        Map<String, String> params = null;
        for (int i = 0; i < segments.size(); i++) {
            String want = segments.get(i);
            String got = pathSegments.get(i);
            if (isParameter(want)) {
                if (got.isEmpty()) return null;
                if (params == null) params = new HashMap<>(2);
                params.put(want.substring(1, want.length() - 1), got);
            } else if (!want.equals(got)) {
                return null;
            }
        }
        return params == null ? Map.of() : params;
    }

    public List<String> parameterNames() {
        List<String> names = new ArrayList<>();
        for (String s : segments) if (isParameter(s)) names.add(s.substring(1, s.length() - 1));
        return names;
    }

    public static List<String> split(String path) {
        if (path == null || path.isEmpty() || path.equals("/")) return List.of();
        String p = path.startsWith("/") ? path.substring(1) : path;
        return List.of(p.split("/", -1));
    }

    private static boolean isParameter(String segment) {
        return segment.length() > 2 && segment.startsWith("{") && segment.endsWith("}");
    }
}
