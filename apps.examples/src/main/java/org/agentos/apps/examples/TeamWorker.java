package org.agentos.apps.examples;

import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.kernel.api.syscall.Args;

/** {@code team-worker}: asks the model about its task and sends the result to its team-lead's queue. */
@org.osgi.service.component.annotations.Component(service = Agent.class)
public class TeamWorker implements Agent<TeamWorker.Input> {

    public record Input(String task, int index, String queue, String llm) {
        public Input {
            if (task == null || queue == null) throw new IllegalArgumentException("task and queue are required");
            llm = llm == null ? "llm.sim" : llm;
        }
    }

    @Override
    public String name() {
        return "team-worker";
    }

    @Override
    public String description() {
        return "a team-lead's worker: the model's take on one task, sent to the team-lead's queue";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public String run(Sys sys, Input in) {
        String result = in.task() + ": " + Models.ask(sys, in.llm(), in.task());
        sys.ipc().send(in.queue(), Args.of("index", in.index(), "result", result));
        return result;
    }
}
