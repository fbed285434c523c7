package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Pattern;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.agent.runtime.SyscallFailure;
import org.agentos.kernel.api.syscall.Args;
import org.osgi.service.component.annotations.Component;

/**
 * {@code researcher}, an agent written as plain code: fetches each page ({@code http.fetch}),
 * asks the model to summarise it, then for a conclusion over all of them, and writes a report
 * file. A page it may not fetch (no {@code tool:http.fetch:host=<host>}), one that fails or
 * answers with an HTTP error is noted in the report as such; a report it may not write ends it
 * with EPERM. Each fetch and each model answer is in its history, so after a restart it neither
 * fetches a page again nor pays the model twice.
 */
@Component(service = Agent.class)
public class Researcher implements Agent<Researcher.Input> {
    private static final Pattern TAG = Pattern.compile("(?s)<(script|style)\\b.*?</\\1>|<[^>]*>");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    /**
     * @param urls     pages to read (1..20)
     * @param report   the file to write
     * @param llm      the model tool, {@code llm.sim} (default) or {@code llm.chat}
     * @param maxChars characters of each page's text given to the model (default 4000)
     */
    public record Input(List<String> urls, String report, String llm, Integer maxChars) {
        public Input {
            if (urls == null || urls.isEmpty() || report == null) throw new IllegalArgumentException("urls and report are required");
            if (urls.size() > 20) throw new IllegalArgumentException("at most 20 urls, not " + urls.size());
            urls = List.copyOf(urls);
            llm = llm == null ? "llm.sim" : llm;
            maxChars = maxChars == null ? 4000 : maxChars;
            if (maxChars < 100 || maxChars > 100_000) throw new IllegalArgumentException("maxChars is 100..100000");
        }
    }

    @Override
    public String name() {
        return "researcher";
    }

    @Override
    public String description() {
        return "an agent as code: fetches {urls}, summarises each with the model, writes {report}; llm: llm.sim or llm.chat";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public String run(Sys sys, Input in) {
        StringBuilder report = new StringBuilder("# Research report\n");
        StringBuilder findings = new StringBuilder();
        int read = 0;
        for (String url : in.urls()) {
            report.append("\n## ").append(url).append("\n\n");
            String summary;
            try {
                String text = text(sys.call("http.fetch", Args.of("url", url, "maxBytes", 256 * 1024)), in.maxChars());
                summary = Models.ask(sys, in.llm(), "Summarise this page in two sentences:\n" + text);
                findings.append("- ").append(url).append(": ").append(summary).append('\n');
                read++;
            } catch (SyscallFailure f) { // EPERM for a host it may not reach, EIO for one that fails ...
                summary = "Not read: " + f.getMessage();
            } catch (PageError e) {
                summary = "Not read: " + e.getMessage();
            }
            report.append(summary).append('\n');
        }
        if (read > 0) {
            report.append("\n## Conclusion\n\n")
                    .append(Models.ask(sys, in.llm(), "What do these pages say together? In three sentences:\n" + findings))
                    .append('\n');
        }
        sys.fs().write(in.report(), report.toString());
        return "read " + read + " of " + in.urls().size() + " pages into " + in.report();
    }

    /** The page's text: tags, scripts and styles dropped, white space folded, cut at {@code max}. */
    private static String text(JsonNode response, int max) {
        int status = response.path("status").asInt();
        if (status >= 400) throw new PageError("HTTP " + status);
        if (!"text".equals(response.path("encoding").asText("text"))) throw new PageError("not a text page");
        String text = SPACE.matcher(TAG.matcher(response.path("body").asText("")).replaceAll(" ")).replaceAll(" ").trim();
        if (text.isEmpty()) throw new PageError("the page has no text");
        return text.length() <= max ? text : text.substring(0, max);
    }

    /** A page that answered but cannot be summarised: noted in the report, not a failure of the agent. */
    private static final class PageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PageError(String message) {
            super(message, null, false, false);
        }
    }
}
