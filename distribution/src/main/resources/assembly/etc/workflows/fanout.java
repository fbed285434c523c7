import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.agentos.agent.dsl.tools.*;

/**
 * Fan-out, fan-in: one reviewer child process per subdirectory of dir, all at once; then waits
 * for each and writes what they said to summary.
 *
 * dsl:run -c proc:spawn -c 'fs:*:/home/root/**' vfs:/home/root/workflows/fanout.java
 *     '{"dir":"/home/root/src","summary":"/home/root/reviews.md"}'
 */
public class FanOut {
    public record Input(String dir, String summary) {}

    public String run(Tools tools, Input in) {
        List<Long> children = new ArrayList<>();
        for (JsonNode e : tools.fsList(in.dir()).json().path("entries")) {
            if (!e.path("directory").asBoolean()) continue;
            String sub = e.path("path").asText();
            JsonNode args = tools.json().objectNode().put("dir", sub).put("notes", sub + ".review.md");
            children.add(tools.procSpawn("reviewer", new ProcSpawnOptions().args(args)).json().path("pid").asLong());
        }
        StringBuilder out = new StringBuilder("# Reviews of " + in.dir() + "\n\n");
        for (int i = 0; i < children.size(); i++) {
            JsonNode done = tools.procWait(new ProcWaitOptions().pid(-1)).json();
            out.append("- pid ").append(done.path("pid").asLong()).append(" (exit ").append(done.path("code").asInt())
                    .append("): ").append(done.path("reason").asText()).append('\n');
        }
        tools.fsWrite(in.summary(), new FsWriteOptions().text(out.toString()));
        return children.size() + " reviews into " + in.summary();
    }
}
