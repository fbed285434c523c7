package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.ProgramInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo workload the distribution starts with (configured by {@code etc/org.agentos.demo.cfg}):
 * heartbeat agents for two tenants, plus fan-out and ping-pong families that run, wait for their
 * children and exit, tally families counting in the shared segment {@code shared/demo}, one agent
 * keeping notes in its memory, and agents that keep the simulated LLM provider busy: many of them
 * for one tenant, one for the other, so {@code kernel:subsystems} shows the LLM gate sharing it fairly
 * (under the fair scheduler). Spawned once: after a restart the restored processes carry on instead.
 */
// The demo spawns and watches processes (ProcessManager), and the bundle adds llm.sim and other tools.
@org.agentos.kernel.api.security.RequiresPermission({org.agentos.kernel.api.security.KernelPermission.KERNEL_ADMIN,
        org.agentos.kernel.api.security.KernelPermission.TOOL_PROVIDE})
@Component(configurationPid = "org.agentos.demo", configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = {})
@Designate(ocd = DemoWorkload.Config.class)
public class DemoWorkload {
    private static final Logger LOG = LoggerFactory.getLogger(DemoWorkload.class);
    static final List<String> OWNERS = List.of("demo-alice", "demo-bob");

    @ObjectClassDefinition(name = "Agent OS demo workload", description = "Processes started with the distribution.")
    public @interface Config {
        @AttributeDefinition(description = "heartbeat processes to start (0 = no demo)")
        int processes() default 200;

        @AttributeDefinition(description = "longest sleep of a heartbeat between beats, ms")
        int maxSleepMs() default 2000;

        @AttributeDefinition(description = "fan-out parents (each spawns 4 counters) and ping-pong players to start")
        int families() default 4;

        @AttributeDefinition(description = "agents calling llm.sim for ever for demo-alice (demo-bob gets one); 0 = none")
        int askers() default 8;

        @AttributeDefinition(description = "agents written as code that think with llm.sim: an llm-agent for demo-alice "
                + "and a team-lead with three team-workers for demo-bob, per unit; 0 = none")
        int thinkers() default 1;
    }

    @Reference
    ProcessManager processes;

    private volatile boolean active;

    @Activate
    void activate(Config config) {
        active = true;
        if (config.processes() > 0) start(config, 0);
    }

    @Deactivate
    void deactivate() {
        active = false;
    }

    private void start(Config config, int attempt) {
        if (!active) return;
        List<String> names = processes.programs().stream().map(ProgramInfo::name).toList();
        List<String> needed = new java.util.ArrayList<>(List.of("heartbeat", "fanout", "ping", "pong", "counter", "asker",
                "tally", "remember"));
        if (config.thinkers() > 0) needed.addAll(List.of("llm-agent", "team-lead", "team-worker"));
        if (!names.containsAll(needed)) {
            // The programs are services of this bundle too; the kernel may bind them a moment later.
            if (attempt < 100) {
                CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS).execute(() -> start(config, attempt + 1));
            } else {
                LOG.error("demo workload not started: the kernel does not know its programs ({} known)", names);
            }
            return;
        }
        for (String owner : OWNERS) {
            if (processes.list(new ProcessQuery(owner, null, true, 1)).matching() > 0) {
                LOG.info("demo workload already present (restored after a restart); not spawning again");
                return;
            }
        }
        try {
            for (int i = 0; i < config.processes(); i++) {
                processes.spawn(new SpawnSpec("heartbeat", Args.of("maxSleepMs", config.maxSleepMs()),
                        OWNERS.get(i % 2), i % 3 == 0 ? 5 : 0, null, null));
            }
            for (int i = 0; i < config.families(); i++) {
                processes.spawn(new SpawnSpec("fanout", Args.of("children", 4, "count", 20, "sleepMs", 250),
                        OWNERS.get(i % 2), 0, List.of("proc:spawn"), null));
                processes.spawn(new SpawnSpec("ping", Args.of("rounds", 50), OWNERS.get(i % 2), 0,
                        List.of("proc:spawn"), null));
            }
            // memory: families of both owners count together in shared/demo under its lock (whichever creates
            // it admits the other owner); one agent keeps notes in its context window
            for (int i = 0; i < config.families(); i++) {
                String owner = OWNERS.get(i % 2);
                ObjectNode args = Args.of("segment", "demo", "count", 100, "create", true);
                OWNERS.stream().filter(o -> !o.equals(owner)).forEach(args.putArray("members")::add);
                processes.spawn(new SpawnSpec("tally", args, owner, 0, List.of("mem:share:demo", "mem:*:shared/demo"), null));
            }
            if (config.families() > 0) {
                processes.spawn(new SpawnSpec("remember", Args.of("notes", Args.of("goal", "show the memory subsystem",
                        "plan", "spaces, fork, locks, context window", "status", "running"), "working", true), OWNERS.get(0), 0,
                        null, null));
            }
            for (int i = 0; i < config.askers(); i++) {
                processes.spawn(new SpawnSpec("asker", Args.of("calls", 0), OWNERS.get(0), 0, null, null));
            }
            if (config.askers() > 0) processes.spawn(new SpawnSpec("asker", Args.of("calls", 0), OWNERS.get(1), 0, null, null));
            for (int i = 0; i < config.thinkers(); i++) {
                String alice = OWNERS.get(0);
                ObjectNode think = Args.of("goal", "note the time in /home/" + alice + "/clock-" + i + ".txt", "llm", "llm.sim");
                think.putArray("tools").add("clock.now").add("fs.write");
                processes.spawn(new SpawnSpec("llm-agent", think, alice, 0, List.of("fs:*:/home/" + alice + "/**"), null));
                ObjectNode team = Args.of("llm", "llm.sim");
                team.putArray("tasks").add("plan the week").add("check the budget").add("write the summary");
                processes.spawn(new SpawnSpec("team-lead", team, OWNERS.get(1), 0, List.of("proc:spawn", "ipc:*:team-*"), null));
            }
            LOG.info("demo workload started: {} heartbeats, {} fan-out, ping-pong and tally families, {} LLM askers, "
                    + "{} llm-agents and teams", config.processes(), config.families(),
                    config.askers() + (config.askers() > 0 ? 1 : 0), config.thinkers());
        } catch (SyscallException e) {
            LOG.error("demo workload could not start: {}", e.toString());
        }
    }
}
