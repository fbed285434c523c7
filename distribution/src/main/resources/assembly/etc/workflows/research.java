import java.util.List;
import org.agentos.agent.dsl.tools.*;
import org.agentos.agent.runtime.SyscallFailure;

/**
 * Fetches each page, asks the model for a summary of it, writes a report. A page it may not fetch
 * or that fails is noted in the report.
 *
 * dsl:run -c 'tool:http.fetch:host=example.org' -c 'fs:*:/home/root/**' vfs:/home/root/workflows/research.java
 *     '{"urls":["https://example.org/"],"report":"/home/root/research.md"}'
 */
public class Research {
    public record Input(List<String> urls, String report) {}

    public String run(Tools tools, Input in) {
        StringBuilder report = new StringBuilder("# Research\n");
        int read = 0;
        for (String url : in.urls()) {
            report.append("\n## ").append(url).append("\n\n");
            try {
                HttpFetchResult page = tools.httpFetch(url);
                if (page.status() != null && page.status() >= 400) {
                    report.append("Not read: HTTP ").append(page.status()).append('\n');
                    continue;
                }
                String text = String.valueOf(page.body()).replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ").trim();
                String prompt = "Summarise in two sentences:\n" + (text.length() > 4000 ? text.substring(0, 4000) : text);
                report.append(tools.llmSim(new LlmSimOptions().prompt(prompt)).json().path("text").asText()).append('\n');
                read++;
            } catch (SyscallFailure f) {
                report.append("Not read: ").append(f.getMessage()).append('\n');
            }
        }
        tools.fsWrite(in.report(), new FsWriteOptions().text(report.toString()));
        return "read " + read + " of " + in.urls().size() + " pages into " + in.report();
    }
}
