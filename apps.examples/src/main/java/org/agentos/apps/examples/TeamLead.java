package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.kernel.api.syscall.Args;

/**
 * {@code team-lead}, the lead of a small team written as code: creates a queue, spawns one
 * {@code team-worker} per task, collects their results from the queue, reaps them and answers
 * with all results in task order. Needs {@code proc:spawn} and {@code ipc:*:team-*}; the workers
 * get the same.
 */
@org.osgi.service.component.annotations.Component(service = Agent.class)
public class TeamLead implements Agent<TeamLead.Input> {

    /** {@code llm}: the model tool the workers think with (default {@code llm.sim}). */
    public record Input(List<String> tasks, String llm) {
        public Input {
            if (tasks == null || tasks.isEmpty()) throw new IllegalArgumentException("tasks: at least one is required");
            if (tasks.size() > 32) throw new IllegalArgumentException("tasks: at most 32, not " + tasks.size());
            llm = llm == null ? "llm.sim" : llm;
        }
    }

    @Override
    public String name() {
        return "team-lead";
    }

    @Override
    public String description() {
        return "an agent as code leading a team: one team-worker per task, results collected through a queue; "
                + "args {tasks: [...], llm}; needs proc:spawn, ipc:*:team-*";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public String run(Sys sys, Input in) {
        String queue = "team-" + sys.pid();
        sys.call("ipc.create", "queue", queue);
        List<Long> workers = new ArrayList<>();
        for (int i = 0; i < in.tasks().size(); i++) {
            workers.add(sys.proc().spawn("team-worker", Args.of("task", in.tasks().get(i), "index", i, "queue", queue,
                    "llm", in.llm())));
        }
        Map<Integer, String> results = new TreeMap<>();
        while (results.size() < workers.size()) {
            for (JsonNode m : sys.ipc().recv(queue, 16, 60_000)) {
                results.put(m.path("payload").path("index").asInt(), m.path("payload").path("result").asText());
            }
        }
        for (int i = 0; i < workers.size(); i++) sys.proc().waitFor(-1);
        sys.call("ipc.delete", "queue", queue);
        return "team of " + workers.size() + ": " + String.join("; ", results.values());
    }
}
