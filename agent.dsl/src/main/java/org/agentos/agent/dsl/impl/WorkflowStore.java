package org.agentos.agent.dsl.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The sources of installed workflows, one JSON file per program under
 * {@code ${karaf.data}/agentos/workflows}: after a restart (a kill -9 included) the service
 * compiles them again, so that their processes find their program. A file is written whole to a
 * temporary name and renamed, so a crash leaves the old file or the new one, never half.
 */
final class WorkflowStore {
    private static final Pattern PROGRAM = Pattern.compile("[a-z0-9][a-z0-9_-]{0,127}");

    /** One stored workflow: what install was given, and the tools it calls (name to version). */
    record Stored(String program, String file, String source, List<String> capabilities, Map<String, String> tools) {}

    private final Path dir;
    private final ObjectMapper json = new ObjectMapper();

    /** @param dir the directory, or null: nothing is kept (outside Karaf) */
    WorkflowStore(Path dir) {
        this.dir = dir;
    }

    void save(Stored s) throws IOException {
        if (dir == null || !PROGRAM.matcher(s.program()).matches()) return;
        Files.createDirectories(dir);
        ObjectNode n = json.createObjectNode().put("program", s.program()).put("file", s.file()).put("source", s.source());
        n.set("capabilities", json.valueToTree(s.capabilities()));
        n.set("tools", json.valueToTree(s.tools()));
        Path tmp = dir.resolve(s.program() + ".json.tmp");
        Files.write(tmp, json.writeValueAsBytes(n));
        try {
            Files.move(tmp, dir.resolve(s.program() + ".json"), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(s.program() + ".json"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    void delete(String program) throws IOException {
        if (dir != null && PROGRAM.matcher(program).matches()) Files.deleteIfExists(dir.resolve(program + ".json"));
    }

    /** Every stored workflow that can be read; one that cannot is skipped (and named in {@code unreadable}). */
    List<Stored> load(List<String> unreadable) {
        List<Stored> out = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                try {
                    JsonNode n = json.readTree(Files.readString(f, StandardCharsets.UTF_8));
                    List<String> caps = new ArrayList<>();
                    for (JsonNode c : n.path("capabilities")) caps.add(c.asText());
                    Map<String, String> tools = new TreeMap<>();
                    n.path("tools").fields().forEachRemaining(e -> tools.put(e.getKey(), e.getValue().asText()));
                    out.add(new Stored(n.path("program").asText(), n.path("file").asText(), n.path("source").asText(), caps,
                            tools));
                } catch (IOException | RuntimeException e) {
                    unreadable.add(f.getFileName() + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            unreadable.add(dir + ": " + e.getMessage());
        }
        return out;
    }
}
